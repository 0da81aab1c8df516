import { z } from "zod";

/**
 * The S3 Control job API's single values (botocore s3control 2018-08-20 service model): ids,
 * ARNs, enums, lengths and patterns, as zod schemas. zod enforces every one, because the JS SDK
 * validates nothing and botocore only minimums (spec §2). The documents built from them are in
 * shapes.ts.
 */

export const str = (min: number, max: number) => z.string().min(min).max(max);
export const pattern = (re: RegExp, what: string) => ({ error: `must be ${what} (pattern ${re.source})` });

export const ACCOUNT_ID = /^\d{12}$/;
export const accountId = z.string().max(64).regex(ACCOUNT_ID, pattern(ACCOUNT_ID, "a 12-digit account id"));

export const JOB_ID = /^[a-zA-Z0-9\-_]+$/;
export const jobId = str(5, 36).regex(JOB_ID, pattern(JOB_ID, "a job id"));

export const bucketArnPattern = /^arn:[^:]+:s3:.*$/;
export const s3BucketArn = str(1, 128).regex(bucketArnPattern, pattern(bucketArnPattern, "an S3 ARN"));
export const copyTargetPattern = /^arn:[^:]+:(s3|s3express):.*$/;
export const copyTargetArn = str(1, 128).regex(copyTargetPattern, pattern(copyTargetPattern, "an S3 or S3 Express bucket ARN"));
export const s3KeyArn = str(1, 2000).regex(bucketArnPattern, pattern(bucketArnPattern, "an S3 object ARN"));
export const rolePattern = /^arn:[^:]+:iam::\d{12}:role\/.*$/s;
export const roleArn = str(1, 2048).regex(rolePattern, pattern(rolePattern, "an IAM role ARN"));
export const functionPattern =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
export const functionArn = str(1, 1024).regex(functionPattern, pattern(functionPattern, "a Lambda function name or ARN"));
export const kmsPattern = /^arn:aws[a-zA-Z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[a-zA-Z0-9-]+$/;
export const nonEmptyKmsKeyArn = str(20, 2048).regex(kmsPattern, pattern(kmsPattern, "a KMS key ARN"));
export const kmsKeyArn = str(1, 2000);

export const TAG_PATTERN = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
export const tagText = { error: "may hold only letters, numbers, spaces and _ . : / = + - @" };

export const cannedAcl = z.enum([
  "private",
  "public-read",
  "public-read-write",
  "aws-exec-read",
  "authenticated-read",
  "bucket-owner-read",
  "bucket-owner-full-control",
]);
export const STORAGE_CLASSES = ["STANDARD", "STANDARD_IA", "ONEZONE_IA", "GLACIER", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR"] as const;
export const storageClass = z.enum(STORAGE_CLASSES);
export const lockMode = z.enum(["COMPLIANCE", "GOVERNANCE"]);
export const onOff = z.enum(["OFF", "ON"]);

export const JOB_STATUSES = ["Active", "Cancelled", "Cancelling", "Complete", "Completing", "Failed", "Failing", "New", "Paused", "Pausing", "Preparing", "Ready", "Suspended"] as const;
export const jobStatus = z.enum(JOB_STATUSES);

// ------------------------------------------------------------------ path, query and header values

export const requestedJobStatus = z.enum(["Cancelled", "Ready"], { error: "must be Cancelled or Ready" });
export const statusUpdateReason = str(1, 256);
export const NEXT_TOKEN = /^[A-Za-z0-9+:/=?#-_]+$/;
export const nextToken = str(1, 1024).regex(NEXT_TOKEN, pattern(NEXT_TOKEN, "a pagination token"));
/** Query integers arrive as text: only plain decimal digits are numbers. */
export const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, { error: `must be an integer from ${min} to ${max}` })
    .transform(Number)
    .pipe(z.int().min(min, { error: `must be an integer from ${min} to ${max}` }).max(max, { error: `must be an integer from ${min} to ${max}` }));
export const jobStatusValue = jobStatus;
