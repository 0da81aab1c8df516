import { SUCCEEDED, type Executor } from "./types.js";

/** Sets (or, without mode and date, removes) the object's retention. */
export const retention: Executor<"retention"> = async (task, op, { objects }) => {
  const change: { mode?: "GOVERNANCE" | "COMPLIANCE"; retainUntil?: number; bypassGovernance?: boolean } = {};
  if (op.mode !== undefined) change.mode = op.mode;
  if (op.retainUntil !== undefined) change.retainUntil = op.retainUntil;
  if (op.bypassGovernance !== undefined) change.bypassGovernance = op.bypassGovernance;
  await objects.putRetention(task, change);
  return SUCCEEDED;
};
