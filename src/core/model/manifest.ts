import { z } from "zod";
import { epochMs } from "./common.js";

/** Where an object lives: every provider's ARN or bucket/object pair reduces to this. */
export const objectLocationSchema = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  versionId: z.string().min(1).optional(),
  /** As the user gave it: quotes and case are ignored when compared with the stored ETag. */
  etag: z.string().min(1).optional(),
});
export type ObjectLocation = z.infer<typeof objectLocationSchema>;

export const MANIFEST_FIELDS = ["bucket", "key", "versionId", "ignore"] as const;
export type ManifestField = (typeof MANIFEST_FIELDS)[number];

/**
 * csv: one object per line, columns as `fields` says.
 * inventory: location is an inventory manifest.json naming CSV (or CSV.gz) data files and their schema.
 */
export const manifestSchema = z.object({
  location: objectLocationSchema,
  format: z.enum(["csv", "inventory"]),
  fields: z.array(z.enum(MANIFEST_FIELDS)).optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const encryptionFilterSchema = z.object({
  type: z.enum(["managed", "kms", "dual-kms", "customer", "none"]),
  kmsKeyId: z.string().optional(),
  bucketKeyEnabled: z.boolean().optional(),
});

export const manifestFilterSchema = z.object({
  createdAfter: epochMs.optional(),
  createdBefore: epochMs.optional(),
  keyPrefixes: z.array(z.string().min(1)).optional(),
  keySuffixes: z.array(z.string().min(1)).optional(),
  keySubstrings: z.array(z.string().min(1)).optional(),
  /** Exclusive bounds, in bytes. */
  sizeGreaterThan: z.number().int().nonnegative().optional(),
  sizeLessThan: z.number().int().nonnegative().optional(),
  storageClasses: z.array(z.string().min(1)).optional(),
  eligibleForReplication: z.boolean().optional(),
  replicationStatuses: z.array(z.string().min(1)).optional(),
  encryption: z.array(encryptionFilterSchema).optional(),
});
export type ManifestFilter = z.infer<typeof manifestFilterSchema>;

/** A manifest built by listing a bucket (OSS's KeyPrefixManifestGenerator, S3's S3JobManifestGenerator). */
export const manifestGeneratorSchema = z.object({
  sourceBucket: z.string().min(1),
  prefix: z.string().optional(),
  filter: manifestFilterSchema.optional(),
  enableOutput: z.boolean().optional(),
  output: z
    .object({
      bucket: z.string().min(1),
      prefix: z.string().optional(),
      expectedBucketOwner: z.string().optional(),
      encryption: z.object({ type: z.enum(["managed", "kms"]), kmsKeyId: z.string().optional() }).optional(),
      /** The provider's label for the written manifest's format, echoed back. */
      format: z.string().optional(),
    })
    .optional(),
  expectedBucketOwner: z.string().optional(),
});
export type ManifestGenerator = z.infer<typeof manifestGeneratorSchema>;

/** Where the generator wrote the manifest it built, once it ran. */
export const generatedManifestSchema = z.object({
  location: objectLocationSchema,
  format: z.enum(["csv", "inventory"]),
});
export type GeneratedManifest = z.infer<typeof generatedManifestSchema>;
