import { SUCCEEDED, type Executor } from "./types.js";

export const deleteTagging: Executor<"deleteTagging"> = async (task, _op, { objects }) => {
  await objects.deleteTagging(task);
  return SUCCEEDED;
};
