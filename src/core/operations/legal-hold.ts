import { SUCCEEDED, type Executor } from "./types.js";

export const legalHold: Executor<"legalHold"> = async (task, op, { objects }) => {
  await objects.putLegalHold(task, op.status);
  return SUCCEEDED;
};
