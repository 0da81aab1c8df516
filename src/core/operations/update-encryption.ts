import { sourceOf } from "./copy.js";
import { SUCCEEDED, type Executor } from "./types.js";

/** Re-encrypts an object in place with the given KMS key: a copy onto itself keeping everything else. */
export const updateEncryption: Executor<"updateEncryption"> = async (task, op, { objects }) => {
  const source = sourceOf(task);
  await objects.copy({
    source,
    target: { bucket: task.bucket, key: task.key },
    metadataDirective: "COPY",
    taggingDirective: "COPY",
    acl: await objects.getAcl(source),
    encryption:
      op.bucketKeyEnabled === undefined
        ? { type: "kms", kmsKeyId: op.kmsKeyId }
        : { type: "kms", kmsKeyId: op.kmsKeyId, bucketKeyEnabled: op.bucketKeyEnabled },
  });
  return SUCCEEDED;
};
