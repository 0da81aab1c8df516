import type { OperationOf } from "../model/operation.js";
import type { CopyObjectRequest, ObjectAcl, ObjectRef, ObjectStore } from "../ports.js";
import { SUCCEEDED, type Executor } from "./types.js";

type CopyOp = OperationOf<"copy">;

/**
 * Copies each object to the target bucket under a rewritten key. The store applies the object
 * rules: copying an object onto itself without changing anything (metadata, storage class,
 * encryption) is refused with InvalidRequest, as in S3, and fails the task.
 */
export const copy: Executor<"copy"> = async (task, op, { objects }) => {
  const req: CopyObjectRequest = {
    source: sourceOf(task),
    target: { bucket: op.targetBucket, key: targetKey(task.key, op) },
  };
  if (op.metadataDirective !== undefined) req.metadataDirective = op.metadataDirective;
  if (op.metadata !== undefined) req.metadata = op.metadata;
  if (op.storageClass !== undefined) req.storageClass = op.storageClass;
  // A tag set without a directive replaces the source's tags (S3's NewObjectTagging).
  const taggingDirective = op.taggingDirective ?? (op.tags !== undefined ? "REPLACE" : undefined);
  if (taggingDirective !== undefined) req.taggingDirective = taggingDirective;
  if (op.tags !== undefined) req.tags = op.tags;
  const acl = await aclFor(op, req.source, objects);
  if (acl !== undefined) req.acl = acl;
  if (op.modifiedSince !== undefined) req.modifiedSince = op.modifiedSince;
  if (op.unmodifiedSince !== undefined) req.unmodifiedSince = op.unmodifiedSince;
  const encryption = encryptionOf(op);
  if (encryption !== undefined) req.encryption = encryption;
  if (op.legalHold !== undefined) req.legalHold = op.legalHold;
  if (op.retentionMode !== undefined && op.retainUntil !== undefined) {
    req.retention = { mode: op.retentionMode, retainUntil: op.retainUntil };
  }
  await objects.copy(req);
  return SUCCEEDED;
};

export function sourceOf(task: ObjectRef): ObjectRef {
  return task.versionId === undefined
    ? { bucket: task.bucket, key: task.key }
    : { bucket: task.bucket, key: task.key, versionId: task.versionId };
}

/**
 * Without keyPrefixReplace the target key is targetKeyPrefix + key. With it a leading
 * sourceKeyPrefix is replaced by targetKeyPrefix (COS: key "picture.jpg", source "pic", target
 * "abc" gives "abcture.jpg"); a key without that prefix keeps its name.
 */
export function targetKey(key: string, op: Pick<CopyOp, "targetKeyPrefix" | "sourceKeyPrefix" | "keyPrefixReplace">): string {
  const target = op.targetKeyPrefix ?? "";
  if (!op.keyPrefixReplace) return target + key;
  const source = op.sourceKeyPrefix ?? "";
  return key.startsWith(source) ? target + key.slice(source.length) : key;
}

/** COPY keeps the source's ACL, ADD adds the job's grants to it, REPLACE (or none) sets the job's. */
async function aclFor(op: CopyOp, source: ObjectRef, objects: ObjectStore): Promise<ObjectAcl | undefined> {
  const given: ObjectAcl = {};
  if (op.cannedAcl !== undefined) given.canned = op.cannedAcl;
  if (op.grants !== undefined) given.grants = op.grants;
  if (op.aclDirective === "COPY") return objects.getAcl(source);
  if (op.aclDirective === "ADD") {
    const current = await objects.getAcl(source);
    return { ...current, grants: [...(current.grants ?? []), ...(op.grants ?? [])] };
  }
  return given.canned !== undefined || given.grants !== undefined ? given : undefined;
}

function encryptionOf(op: CopyOp): CopyObjectRequest["encryption"] {
  if (op.kmsKeyId !== undefined) {
    return op.bucketKeyEnabled === undefined
      ? { type: "kms", kmsKeyId: op.kmsKeyId }
      : { type: "kms", kmsKeyId: op.kmsKeyId, bucketKeyEnabled: op.bucketKeyEnabled };
  }
  if (op.metadata?.sseAlgorithm === "KMS") return { type: "kms" };
  if (op.metadata?.sseAlgorithm === "AES256") return { type: "managed" };
  return undefined;
}
