import type { RestoreRequest } from "../ports.js";
import { SUCCEEDED, type Executor } from "./types.js";

/**
 * Asks for a restore. Only archived storage classes can be restored: the store answers the others
 * with InvalidObjectState, which fails the task. The task succeeds once the request is accepted,
 * not when the data is back (as every provider documents).
 */
export const restore: Executor<"restore"> = async (task, op, { objects }) => {
  const req: RestoreRequest = {};
  if (op.days !== undefined) req.days = op.days;
  if (op.tier !== undefined) req.tier = op.tier;
  await objects.restore(task, req);
  return SUCCEEDED;
};
