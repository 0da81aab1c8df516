import { z } from "zod";
import { JOB_STATUSES, MAX_PRIORITY } from "../../src/core/index.js";

/**
 * OSS's constraints on the wire, as zod schemas. Each message names the rule; the caller adds
 * the parameter or element it was checking. Sources are the tags of shared/spec/alibaba-oss.md.
 */

/**
 * 44 characters: base64 of a UUID's 32 hex digits, so letters and digits and a final "=" (§3.1).
 * The docs say "letters and digits only", yet every example ends in "="; the examples win.
 */
export const jobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9]{43}=$/, { error: "must be a batch job id: 43 letters or digits and a final '=' (44 characters)" });

export const clientRequestTokenSchema = z
  .string()
  .min(1, { error: "must be 1 to 64 characters" })
  .max(64, { error: "must be 1 to 64 characters" });

/** Query and XML integers alike: decimal digits only, no sign, no blanks, no exponent. */
const digits = (what: string) => z.string().regex(/^\d{1,10}$/, { error: `must be ${what}` }).transform(Number);

/** 0..2147483647, larger runs first [D-UJP]; the CreateJob page states no range, so the same one applies. */
export const prioritySchema = digits(`an integer from 0 to ${MAX_PRIORITY}`).pipe(
  z.number().max(MAX_PRIORITY, { error: `must be an integer from 0 to ${MAX_PRIORITY}` }),
);

export const MAX_KEYS_DEFAULT = 100;
export const maxKeysSchema = digits("an integer from 1 to 1000").pipe(
  z.number().min(1, { error: "must be an integer from 1 to 1000" }).max(1000, { error: "must be an integer from 1 to 1000" }),
);

/** 1..1024 characters of A-Z a-z 0-9 + : / = ? # - _ [D-LJ]. */
export const continuationTokenSchema = z
  .string()
  .regex(/^[A-Za-z0-9+:/=?#_-]{1,1024}$/, { error: "must be 1 to 1024 characters of A-Z a-z 0-9 + : / = ? # - _" });

/** `Active | Cancelled` (API doc) and `Active|Cancelled` (ossutil) alike: split on the bar, trim. */
export const jobStatusesSchema = z
  .string()
  .transform((s) => s.split("|").map((p) => p.trim()).filter((p) => p !== ""))
  .pipe(z.array(z.enum(JOB_STATUSES, { error: `must be job statuses separated by '|' (${JOB_STATUSES.join(", ")})` })));

export const requestedJobStatusSchema = z.enum(["Cancelled", "Ready"], { error: "must be Cancelled or Ready" });

/** 1..256 characters [S-UJS]. */
export const statusUpdateReasonSchema = z
  .string()
  .min(1, { error: "must be 1 to 256 characters" })
  .max(256, { error: "must be 1 to 256 characters" });

/** The canned ACLs PutObjectAcl accepts [S-CJ]. */
export const objectAclSchema = z.enum(["default", "private", "public-read", "public-read-write"], {
  error: "must be one of default, private, public-read, public-read-write",
});

/**
 * RestoreObject's limits depend on the object's storage class [S-CJ]: Archive 1–7 days (no tier),
 * Cold Archive 1–365 with Standard or Bulk, Deep Cold Archive 1–365 with Standard only. CreateJob
 * cannot know an object's class, so a request is checked against the widest range (1..365, Standard
 * or Bulk). The narrower limits are restore-limits.ts's, applied to each object by the policy's
 * per-object rule.
 */
const DAYS_RULE = "an integer from 1 to 7 (Archive) or 1 to 365 (Cold Archive, Deep Cold Archive)";
export const restoreDaysSchema = digits(DAYS_RULE).pipe(
  z.number().min(1, { error: `must be ${DAYS_RULE}` }).max(365, { error: `must be ${DAYS_RULE}` }),
);
export const restoreTierSchema = z.enum(["Standard", "Bulk"], { error: "must be Standard or Bulk" });

export const reportScopeSchema = z.enum(["AllTasks", "FailedTasksOnly"], { error: "must be AllTasks or FailedTasksOnly" });

/**
 * Manifest formats: the documented CSV one, and the bucket-inventory one that Java's
 * JobManifestSpec names (the seed's list of valid values is empty) [S-CJ, JV].
 */
export const MANIFEST_FORMATS = {
  OSS_BatchOperations_CSV_20250611: "csv",
  OSS_InventoryReport_CSV_20250611: "inventory",
} as const;
export type ManifestFormatName = keyof typeof MANIFEST_FORMATS;
export const manifestFormatSchema = z.enum(Object.keys(MANIFEST_FORMATS) as [ManifestFormatName, ...ManifestFormatName[]], {
  error: `must be ${Object.keys(MANIFEST_FORMATS).join(" or ")}`,
});

/**
 * `Bucket,Key[,VersionId]` as one comma-separated string [S-CJ, JV-T]. Which other names a custom
 * CSV may use is unspecified; `Ignore` (skip a column) is accepted as in S3. Bucket and Key must
 * each appear once.
 */
export const MANIFEST_FIELDS = { Bucket: "bucket", Key: "key", VersionId: "versionId", Ignore: "ignore" } as const;
export type ManifestFieldName = keyof typeof MANIFEST_FIELDS;
const FIELDS_RULE = "must be a comma-separated list of Bucket, Key, VersionId and Ignore naming Bucket and Key once each";
export const manifestFieldsSchema = z
  .string()
  .transform((s) => s.split(",").map((f) => f.trim()))
  .pipe(z.array(z.enum(Object.keys(MANIFEST_FIELDS) as [ManifestFieldName, ...ManifestFieldName[]], { error: FIELDS_RULE })))
  .refine(
    (fs) => fs.filter((f) => f === "Bucket").length === 1 && fs.filter((f) => f === "Key").length === 1 && fs.filter((f) => f === "VersionId").length <= 1,
    { error: FIELDS_RULE },
  );

/**
 * A RAM role ARN. The API docs write `arn:acs:ram::uid:role/Name`, the user guide, the SDK tests
 * and the real-service test `acs:ram::<uid>:role/Name`: both are accepted [S-CJ, UG, GO-IT].
 */
export const roleArnSchema = z
  .string()
  .regex(/^(?:arn:)?acs:ram::[^:\s]+:role\/\S+$/, { error: "must be a RAM role ARN such as acs:ram::<uid>:role/<name>" });

/**
 * Object tag limits [TAG]: whether CreateJob checks the TagSet is unspecified; it is checked here,
 * since every task would fail on it otherwise. The character set is left to the object store.
 */
export const MAX_OBJECT_TAGS = 10;
export const tagSetSchema = z
  .array(
    z.object({
      key: z.string().min(1, { error: "a tag key must be 1 to 128 characters" }).max(128, { error: "a tag key must be 1 to 128 characters" }),
      value: z.string().max(256, { error: "a tag value must be at most 256 characters" }),
    }),
  )
  .max(MAX_OBJECT_TAGS, { error: `must hold at most ${MAX_OBJECT_TAGS} tags` })
  .refine((tags) => new Set(tags.map((t) => t.key)).size === tags.length, { error: "must not repeat a tag key" });
