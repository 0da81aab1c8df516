import { SUCCEEDED, type Executor } from "./types.js";

/**
 * Deletes the listed version, or (without one) the current object: a delete marker in a versioned
 * bucket. A store deletes a missing key silently, as S3's DeleteObject does; a batch task on a
 * missing object fails (404 NoSuchKey) like every other operation's, hence the head first.
 */
export const deleteObject: Executor<"delete"> = async (task, _op, { objects }) => {
  if (task.versionId === undefined) await objects.head(task);
  await objects.delete(task);
  return SUCCEEDED;
};
