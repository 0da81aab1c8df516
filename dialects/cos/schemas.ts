import { z } from "zod";
import { JOB_STATUSES, MAX_PRIORITY, REPORT_SCOPES } from "../../src/core/model/index.js";
import { truncate } from "../xml/index.js";

/**
 * COS's constraints on single wire values, as zod schemas over the text that arrived (spec §3–§7).
 * Each failure message completes a sentence that starts with the value's name
 * ("CreateJobRequest/Priority must be ...").
 */

const got = (input: unknown) => `got "${truncate(String(input))}"`;

/** Lengths are in UTF-8 bytes, as every COS table states them. */
export function bytes(min: number, max: number) {
  return z.string().refine(
    (s) => {
      const n = Buffer.byteLength(s, "utf8");
      return n >= min && n <= max;
    },
    { error: (iss) => (min > 0 && iss.input === "" ? "must not be empty" : `must be ${min} to ${max} bytes long, ${got(iss.input)}`) },
  );
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: (iss) => `must be one of ${values.join(", ")}, ${got(iss.input)}` });
}

/** A decimal integer in [min, max]; no sign, no spaces, no exponent. */
export function integer(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,10}$/, { error: (iss) => `must be an integer from ${min} to ${max}, ${got(iss.input)}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: (iss) => `must be an integer from ${min} to ${max}, ${got(iss.input)}` });
}

/** `true` or `false`; Go sends these as strings (spec §3.1). */
export const booleanText = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(["true", "false"], { error: (iss) => `must be true or false, ${got(iss.input)}` }))
  .transform((s) => s === "true");

/**
 * An instant: Unix seconds (how the Go SDK and Terraform carry the copy constraints, spec §7.1),
 * ISO-8601 (the docs' "Timestamp"), or an HTTP date (RFC 7231, for HttpExpiresDate).
 */
export const instant = z.string().transform((s, ctx) => {
  const ms = /^\d{1,12}$/.test(s)
    ? Number(s) * 1000
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i.test(s) ||
        /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(s)
      ? Date.parse(s.replace(/(\.\d{3})\d+/, "$1"))
      : NaN;
  if (Number.isFinite(ms) && ms >= 0) return ms;
  ctx.addIssue({ code: "custom", message: `must be Unix seconds, an ISO-8601 timestamp or an HTTP date, ${got(s)}` });
  return z.NEVER;
});

// ------------------------------------------------------------------ headers and query

export const appid = bytes(1, 64);
export const maxResults = integer(1, 1000);
export const jobStatus = oneOf(JOB_STATUSES);
export const priority = integer(0, MAX_PRIORITY);
export const requestedJobStatus = z.enum(["Ready", "Cancelled"], {
  error: (iss) => `must be Cancelled or Ready, ${got(iss.input)}`,
});
export const statusUpdateReason = bytes(0, 256);

// ------------------------------------------------------------------ CreateJobRequest

export const clientRequestToken = bytes(1, 64);
export const description = bytes(0, 256);
/** qcs::cam::uin/<uin>:roleName/<name> (D-CJ, GOT, GOX); 1–1024 bytes (D-DJ). */
export const roleArn = bytes(1, 1024).pipe(
  z.string().regex(/^qcs::cam::uin\/\d+:roleName\/\S+$/, {
    error: (iss) => `must be a CAM role, qcs::cam::uin/<uin>:roleName/<name>, ${got(iss.input)}`,
  }),
);
export const etag = bytes(1, 1024);
export const arnText = bytes(1, 1024);
export const objectVersionId = bytes(1, 1024);
export const MANIFEST_FORMATS = ["COSBatchOperations_CSV_V1", "COSInventoryReport_CSV_V1"] as const;
export const manifestFormat = oneOf(MANIFEST_FORMATS);
export const MANIFEST_FIELDS = ["Ignore", "Bucket", "Key", "VersionId"] as const;
export const manifestField = oneOf(MANIFEST_FIELDS);
export const reportFormat = oneOf(["Report_CSV_V1"]);
export const reportScope = oneOf(REPORT_SCOPES);
export const reportPrefix = bytes(0, 256);

// ------------------------------------------------------------------ operations

export const DIRECTIVES = ["Copy", "Replaced", "Add"] as const;
export const directive = oneOf(DIRECTIVES);
export const cannedAcl = oneOf(["private", "public-read"]);
export const permission = oneOf(["READ", "WRITE", "FULL_CONTROL"]);
export const typeIdentifier = oneOf(["ID"]);
export const granteeIdentifier = bytes(1, 1024);
/** D-CE lists STANDARD and STANDARD_IA; the console also offers ARCHIVE (D-CON), so it is accepted. */
export const storageClass = oneOf(["STANDARD", "STANDARD_IA", "ARCHIVE"]);
export const keyPrefix = bytes(0, 1024);
export const sseAlgorithm = oneOf(["AES256"]);
export const headerValue = bytes(0, 8192);
export const metadataKey = bytes(1, 1024);
export const tagKey = bytes(1, 128);
export const tagValue = bytes(0, 256);
/** A COS object carries at most 10 tags. */
export const MAX_OBJECT_TAGS = 10;
export const expirationInDays = integer(1, 365);
export const jobTier = oneOf(["Bulk", "Standard"]);
