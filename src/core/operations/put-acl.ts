import type { ObjectAcl } from "../ports.js";
import { SUCCEEDED, type Executor } from "./types.js";

export const putAcl: Executor<"putAcl"> = async (task, op, { objects }) => {
  const acl: ObjectAcl = {};
  if (op.cannedAcl !== undefined) acl.canned = op.cannedAcl;
  if (op.owner !== undefined) acl.owner = op.owner;
  if (op.grants !== undefined) acl.grants = op.grants;
  await objects.putAcl(task, acl);
  return SUCCEEDED;
};
