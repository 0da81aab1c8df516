import { SUCCEEDED, type Executor } from "./types.js";

/** Replaces the object's whole tag set. */
export const putTagging: Executor<"putTagging"> = async (task, op, { objects }) => {
  await objects.putTagging(task, op.tags);
  return SUCCEEDED;
};
