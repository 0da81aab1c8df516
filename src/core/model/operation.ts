import { z } from "zod";
import { epochMs, grantSchema, ownerSchema, tagSchema } from "./common.js";

/**
 * The operation a job applies to every object of its manifest: the union of what the three
 * providers accept, in provider-neutral words. A dialect maps its element names onto these
 * (e.g. S3PutObjectTagging, OSS PutObjectTagging and COSPutObjectTagging all become putTagging).
 */

const directive = z.enum(["COPY", "REPLACE", "ADD"]);

export const objectMetadataSchema = z.object({
  cacheControl: z.string().optional(),
  contentDisposition: z.string().optional(),
  contentEncoding: z.string().optional(),
  contentLanguage: z.string().optional(),
  contentType: z.string().optional(),
  contentMD5: z.string().optional(),
  contentLength: z.number().int().nonnegative().optional(),
  httpExpiresDate: epochMs.optional(),
  requesterCharged: z.boolean().optional(),
  sseAlgorithm: z.string().optional(),
  userMetadata: z.record(z.string(), z.string()).optional(),
});
export type ObjectMetadata = z.infer<typeof objectMetadataSchema>;

export const putTaggingOp = z.object({ type: z.literal("putTagging"), tags: z.array(tagSchema) });
export const addTaggingOp = z.object({ type: z.literal("addTagging"), tags: z.array(tagSchema) });
export const deleteTaggingOp = z.object({ type: z.literal("deleteTagging") });

export const putAclOp = z.object({
  type: z.literal("putAcl"),
  /** A canned ACL name as the provider spells it ("private", "public-read", OSS "default", ...). */
  cannedAcl: z.string().min(1).optional(),
  owner: ownerSchema.optional(),
  grants: z.array(grantSchema).optional(),
});

export const copyOp = z.object({
  type: z.literal("copy"),
  targetBucket: z.string().min(1),
  /**
   * Key rewriting. Without keyPrefixReplace the target key is targetKeyPrefix + source key.
   * With it, a leading sourceKeyPrefix is replaced by targetKeyPrefix (either may be empty:
   * empty source adds, empty target strips).
   */
  targetKeyPrefix: z.string().optional(),
  sourceKeyPrefix: z.string().optional(),
  keyPrefixReplace: z.boolean().optional(),
  storageClass: z.string().optional(),
  metadataDirective: directive.optional(),
  metadata: objectMetadataSchema.optional(),
  taggingDirective: directive.optional(),
  tags: z.array(tagSchema).optional(),
  aclDirective: directive.optional(),
  cannedAcl: z.string().min(1).optional(),
  grants: z.array(grantSchema).optional(),
  modifiedSince: epochMs.optional(),
  unmodifiedSince: epochMs.optional(),
  redirectLocation: z.string().optional(),
  requesterPays: z.boolean().optional(),
  kmsKeyId: z.string().optional(),
  bucketKeyEnabled: z.boolean().optional(),
  checksumAlgorithm: z.string().optional(),
  legalHold: z.enum(["ON", "OFF"]).optional(),
  retentionMode: z.enum(["GOVERNANCE", "COMPLIANCE"]).optional(),
  retainUntil: epochMs.optional(),
});

export const restoreOp = z.object({
  type: z.literal("restore"),
  days: z.number().int().nonnegative().optional(),
  tier: z.enum(["Standard", "Bulk", "Expedited"]).optional(),
});

export const legalHoldOp = z.object({ type: z.literal("legalHold"), status: z.enum(["ON", "OFF"]) });

export const retentionOp = z.object({
  type: z.literal("retention"),
  /** Without mode and retainUntil the retention is removed. */
  mode: z.enum(["GOVERNANCE", "COMPLIANCE"]).optional(),
  retainUntil: epochMs.optional(),
  bypassGovernance: z.boolean().optional(),
});

export const invokeFunctionOp = z.object({
  type: z.literal("invokeFunction"),
  functionId: z.string().min(1),
  schemaVersion: z.string().optional(),
  userArguments: z.record(z.string(), z.string()).optional(),
});

/** Copy each object to a replica bucket: the one named here, else the store's replication target. */
export const replicateOp = z.object({ type: z.literal("replicate"), targetBucket: z.string().min(1).optional() });

export const CHECKSUM_ALGORITHMS = [
  "CRC32",
  "CRC32C",
  "CRC64NVME",
  "MD5",
  "SHA1",
  "SHA256",
  "SHA512",
  "XXHASH64",
  "XXHASH3",
  "XXHASH128",
] as const;

export const computeChecksumOp = z.object({
  type: z.literal("computeChecksum"),
  algorithm: z.enum(CHECKSUM_ALGORITHMS),
  checksumType: z.enum(["FULL_OBJECT", "COMPOSITE"]).optional(),
});

export const updateEncryptionOp = z.object({
  type: z.literal("updateEncryption"),
  kmsKeyId: z.string().min(1),
  bucketKeyEnabled: z.boolean().optional(),
});

export const deleteOp = z.object({ type: z.literal("delete") });

export const operationSchema = z.discriminatedUnion("type", [
  putTaggingOp,
  addTaggingOp,
  deleteTaggingOp,
  putAclOp,
  copyOp,
  restoreOp,
  legalHoldOp,
  retentionOp,
  invokeFunctionOp,
  replicateOp,
  computeChecksumOp,
  updateEncryptionOp,
  deleteOp,
]);
export type Operation = z.infer<typeof operationSchema>;
export type OperationType = Operation["type"];
export type OperationOf<T extends OperationType> = Extract<Operation, { type: T }>;
