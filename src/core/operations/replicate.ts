import { sourceOf } from "./copy.js";
import { failed, SUCCEEDED, type Executor } from "./types.js";

/**
 * Copies each object, with its metadata, tags and ACL, to the same key in the replica bucket: the
 * one the job names, else the one the store's replication configuration gives.
 */
export const replicate: Executor<"replicate"> = async (task, op, { objects }) => {
  const target = op.targetBucket ?? (await objects.replicationTarget?.(task.bucket));
  if (target === undefined) {
    return failed("InvalidRequest", 400, `No replication destination is configured for bucket ${task.bucket}`);
  }
  const source = sourceOf(task);
  await objects.copy({
    source,
    target: { bucket: target, key: task.key },
    metadataDirective: "COPY",
    taggingDirective: "COPY",
    acl: await objects.getAcl(source),
  });
  return SUCCEEDED;
};
