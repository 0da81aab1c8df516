import { z } from "zod";

/**
 * The S3 Control job API's shapes (botocore s3control 2018-08-20 service model), as zod schemas
 * keyed by their XML element names. One model serves both directions: `wire-codec.ts` walks it
 * to read request XML (order-independent, any list item name) and to write responses (model
 * member order, `<member>` items), and zod enforces every length, range, pattern and enum,
 * because the JS SDK validates nothing and botocore only minimums (spec §2).
 *
 * Conventions the codec reads from a schema: object = structure (strict: an unknown element is
 * an error), array = non-flattened list (item element from `.meta({ xmlItem })`, else `member`),
 * record = map (`<entry><key/><value/></entry>`), date = timestamp, int = integer or long.
 */

export const XMLNS = "http://awss3control.amazonaws.com/doc/2018-08-20/";

const str = (min: number, max: number) => z.string().min(min).max(max);
const pattern = (re: RegExp, what: string) => ({ error: `must be ${what} (pattern ${re.source})` });

export const ACCOUNT_ID = /^\d{12}$/;
export const accountId = z.string().max(64).regex(ACCOUNT_ID, pattern(ACCOUNT_ID, "a 12-digit account id"));

export const JOB_ID = /^[a-zA-Z0-9\-_]+$/;
export const jobId = str(5, 36).regex(JOB_ID, pattern(JOB_ID, "a job id"));

const bucketArnPattern = /^arn:[^:]+:s3:.*$/;
const s3BucketArn = str(1, 128).regex(bucketArnPattern, pattern(bucketArnPattern, "an S3 ARN"));
const copyTargetPattern = /^arn:[^:]+:(s3|s3express):.*$/;
const copyTargetArn = str(1, 128).regex(copyTargetPattern, pattern(copyTargetPattern, "an S3 or S3 Express bucket ARN"));
const s3KeyArn = str(1, 2000).regex(bucketArnPattern, pattern(bucketArnPattern, "an S3 object ARN"));
const rolePattern = /^arn:[^:]+:iam::\d{12}:role\/.*$/s;
const roleArn = str(1, 2048).regex(rolePattern, pattern(rolePattern, "an IAM role ARN"));
const functionPattern =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const functionArn = str(1, 1024).regex(functionPattern, pattern(functionPattern, "a Lambda function name or ARN"));
const kmsPattern = /^arn:aws[a-zA-Z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key\/[a-zA-Z0-9-]+$/;
const nonEmptyKmsKeyArn = str(20, 2048).regex(kmsPattern, pattern(kmsPattern, "a KMS key ARN"));
const kmsKeyArn = str(1, 2000);

const TAG_PATTERN = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;
const tagText = { error: "may hold only letters, numbers, spaces and _ . : / = + - @" };

const timestamp = z.date();
const long = z.int();
const bool = z.boolean();

export const s3Tag = z.strictObject({
  Key: str(1, 128).regex(TAG_PATTERN, tagText),
  Value: z.string().max(256).regex(TAG_PATTERN, tagText),
});
export const s3TagSet = z.array(s3Tag);

const cannedAcl = z.enum([
  "private",
  "public-read",
  "public-read-write",
  "aws-exec-read",
  "authenticated-read",
  "bucket-owner-read",
  "bucket-owner-full-control",
]);
export const STORAGE_CLASSES = ["STANDARD", "STANDARD_IA", "ONEZONE_IA", "GLACIER", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR"] as const;
const storageClass = z.enum(STORAGE_CLASSES);
const lockMode = z.enum(["COMPLIANCE", "GOVERNANCE"]);
const onOff = z.enum(["OFF", "ON"]);

const s3Grant = z.strictObject({
  Grantee: z
    .strictObject({
      TypeIdentifier: z.enum(["id", "emailAddress", "uri"]).optional(),
      Identifier: str(1, 1024).optional(),
      DisplayName: str(1, 1024).optional(),
    })
    .optional(),
  Permission: z.enum(["FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP"]).optional(),
});

const s3ObjectMetadata = z.strictObject({
  CacheControl: str(1, 1024).optional(),
  ContentDisposition: str(1, 1024).optional(),
  ContentEncoding: str(1, 1024).optional(),
  ContentLanguage: str(1, 1024).optional(),
  UserMetadata: z
    .record(str(1, 1024), z.string().max(1024))
    .refine((m) => Object.keys(m).length <= 8192, { error: "may hold at most 8192 entries" })
    .optional(),
  ContentLength: long.min(0).optional(),
  ContentMD5: str(1, 1024).optional(),
  ContentType: str(1, 1024).optional(),
  HttpExpiresDate: timestamp.optional(),
  RequesterCharged: bool.optional(),
  SSEAlgorithm: z.enum(["AES256", "KMS"]).optional(),
});

const lambdaInvoke = z
  .strictObject({
    // Optional in the model; a job that names no function cannot run, so it is required here.
    FunctionArn: functionArn,
    InvocationSchemaVersion: str(1, 64).optional(),
    UserArguments: z
      .record(str(1, 64), z.string().max(1024))
      .refine((m) => Object.keys(m).length >= 1 && Object.keys(m).length <= 10, { error: "must hold 1 to 10 entries" })
      .optional(),
  })
  .refine((l) => l.UserArguments === undefined || l.InvocationSchemaVersion === "2.0", {
    error: "UserArguments needs InvocationSchemaVersion 2.0",
    path: ["InvocationSchemaVersion"],
  });

const copyObject = z.strictObject({
  // Optional in the model; a copy needs somewhere to go.
  TargetResource: copyTargetArn,
  CannedAccessControlList: cannedAcl.optional(),
  AccessControlGrants: z.array(s3Grant).optional(),
  MetadataDirective: z.enum(["COPY", "REPLACE"]).optional(),
  ModifiedSinceConstraint: timestamp.optional(),
  NewObjectMetadata: s3ObjectMetadata.optional(),
  NewObjectTagging: s3TagSet.optional(),
  RedirectLocation: str(1, 2048).optional(),
  RequesterPays: bool.optional(),
  StorageClass: storageClass.optional(),
  UnModifiedSinceConstraint: timestamp.optional(),
  SSEAwsKmsKeyId: kmsKeyArn.optional(),
  TargetKeyPrefix: str(1, 1024).optional(),
  ObjectLockLegalHoldStatus: onOff.optional(),
  ObjectLockMode: lockMode.optional(),
  ObjectLockRetainUntilDate: timestamp.optional(),
  BucketKeyEnabled: bool.optional(),
  ChecksumAlgorithm: z.enum(["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME", "SHA512", "MD5", "XXHASH64", "XXHASH3", "XXHASH128"]).optional(),
});

const putObjectAcl = z.strictObject({
  AccessControlPolicy: z
    .strictObject({
      AccessControlList: z
        .strictObject({
          Owner: z.strictObject({ ID: str(1, 1024).optional(), DisplayName: str(1, 1024).optional() }),
          Grants: z.array(s3Grant).optional(),
        })
        .optional(),
      CannedAccessControlList: cannedAcl.optional(),
    })
    .optional(),
});

const empty = z.strictObject({});

export const jobOperation = z
  .strictObject({
    LambdaInvoke: lambdaInvoke.optional(),
    S3PutObjectCopy: copyObject.optional(),
    S3PutObjectAcl: putObjectAcl.optional(),
    S3PutObjectTagging: z.strictObject({ TagSet: s3TagSet.optional() }).optional(),
    S3DeleteObjectTagging: empty.optional(),
    S3InitiateRestoreObject: z
      .strictObject({ ExpirationInDays: z.int().min(0).max(2147483647).optional(), GlacierJobTier: z.enum(["BULK", "STANDARD"]).optional() })
      .optional(),
    S3PutObjectLegalHold: z.strictObject({ LegalHold: z.strictObject({ Status: onOff }) }).optional(),
    S3PutObjectRetention: z
      .strictObject({
        BypassGovernanceRetention: bool.optional(),
        Retention: z.strictObject({ RetainUntilDate: timestamp.optional(), Mode: lockMode.optional() }),
      })
      .optional(),
    S3ReplicateObject: empty.optional(),
    S3ComputeObjectChecksum: z
      .strictObject({
        // Optional in the model; there is nothing to compute without it.
        ChecksumAlgorithm: z.enum(["CRC32", "CRC32C", "CRC64NVME", "MD5", "SHA1", "SHA256", "SHA512", "XXHASH64", "XXHASH3", "XXHASH128"]),
        ChecksumType: z.enum(["FULL_OBJECT", "COMPOSITE"]).optional(),
      })
      .optional(),
    S3UpdateObjectEncryption: z
      .strictObject({
        // Optional in the model, but it is the whole request.
        ObjectEncryption: z.strictObject({
          "SSE-KMS": z.strictObject({ KMSKeyArn: nonEmptyKmsKeyArn, BucketKeyEnabled: bool.optional() }),
        }),
      })
      .optional(),
  })
  .refine((o) => Object.values(o).filter((v) => v !== undefined).length === 1, {
    error: "must name exactly one operation (LambdaInvoke, S3PutObjectCopy, S3PutObjectAcl, S3PutObjectTagging, ...)",
  });
export type WireOperation = z.infer<typeof jobOperation>;
export const OPERATION_NAMES = Object.keys(jobOperation.shape) as (keyof WireOperation)[];
export type OperationName = (typeof OPERATION_NAMES)[number];

export const jobReport = z
  .strictObject({
    Bucket: s3BucketArn.optional(),
    Format: z.enum(["Report_CSV_20180820"]).optional(),
    Enabled: bool,
    Prefix: str(1, 512).optional(),
    ReportScope: z.enum(["AllTasks", "FailedTasksOnly"]).optional(),
    ExpectedBucketOwner: accountId.optional(),
  })
  .superRefine((r, ctx) => {
    // The User Guide: an enabled report needs its bucket, format and scope (the prefix is optional).
    if (!r.Enabled) return;
    for (const member of ["Bucket", "Format", "ReportScope"] as const) {
      if (r[member] === undefined) ctx.addIssue({ code: "custom", path: [member], message: "is required when the report is enabled" });
    }
  });
export type WireReport = z.infer<typeof jobReport>;

export const MANIFEST_FORMATS = ["S3BatchOperations_CSV_20180820", "S3InventoryReport_CSV_20161130"] as const;
export const jobManifestLocation = z.strictObject({
  ObjectArn: s3KeyArn,
  ObjectVersionId: str(1, 2000).optional(),
  ETag: str(1, 1024),
});
export const jobManifest = z.strictObject({
  Spec: z.strictObject({
    Format: z.enum(MANIFEST_FORMATS),
    Fields: z.array(z.enum(["Ignore", "Bucket", "Key", "VersionId"])).optional(),
  }),
  Location: jobManifestLocation,
});
export type WireManifest = z.infer<typeof jobManifest>;

const objectEncryptionFilter = z
  .strictObject({
    "SSE-S3": empty.optional(),
    "SSE-KMS": z.strictObject({ KmsKeyArn: nonEmptyKmsKeyArn.optional(), BucketKeyEnabled: bool.optional() }).optional(),
    "DSSE-KMS": z.strictObject({ KmsKeyArn: nonEmptyKmsKeyArn.optional() }).optional(),
    "SSE-C": empty.optional(),
    "NOT-SSE": empty.optional(),
  })
  .refine((o) => Object.values(o).filter((v) => v !== undefined).length === 1, {
    error: "must name exactly one of SSE-S3, SSE-KMS, DSSE-KMS, SSE-C, NOT-SSE",
  });

const keyList = z.array(str(1, 1024));
export const GENERATED_MANIFEST_FORMAT = "S3InventoryReport_CSV_20211130";

export const s3JobManifestGenerator = z.strictObject({
  ExpectedBucketOwner: accountId.optional(),
  SourceBucket: s3BucketArn,
  ManifestOutputLocation: z
    .strictObject({
      ExpectedManifestBucketOwner: accountId.optional(),
      Bucket: s3BucketArn,
      ManifestPrefix: str(1, 512).optional(),
      ManifestEncryption: z
        .strictObject({ "SSE-S3": empty.optional(), "SSE-KMS": z.strictObject({ KeyId: kmsKeyArn }).optional() })
        .refine((e) => e["SSE-S3"] === undefined || e["SSE-KMS"] === undefined, { error: "give SSE-S3 or SSE-KMS, not both" })
        .optional(),
      ManifestFormat: z.enum([GENERATED_MANIFEST_FORMAT]),
    })
    .optional(),
  Filter: z
    .strictObject({
      EligibleForReplication: bool.optional(),
      CreatedAfter: timestamp.optional(),
      CreatedBefore: timestamp.optional(),
      ObjectReplicationStatuses: z.array(z.enum(["COMPLETED", "FAILED", "REPLICA", "NONE"])).optional(),
      KeyNameConstraint: z
        .strictObject({ MatchAnyPrefix: keyList.optional(), MatchAnySuffix: keyList.optional(), MatchAnySubstring: keyList.optional() })
        .optional(),
      // No minimum in the model; a negative size bound means nothing, and the core refuses it.
      ObjectSizeGreaterThanBytes: long.min(0).optional(),
      ObjectSizeLessThanBytes: long.min(0).optional(),
      MatchAnyStorageClass: z.array(storageClass).optional(),
      MatchAnyObjectEncryption: z.array(objectEncryptionFilter).min(1).max(1).meta({ xmlItem: "ObjectEncryption" }).optional(),
    })
    .optional(),
  EnableManifestOutput: bool,
});
export const jobManifestGenerator = z.strictObject({ S3JobManifestGenerator: s3JobManifestGenerator });
export type WireGenerator = z.infer<typeof s3JobManifestGenerator>;

export const createJobRequest = z
  .strictObject({
    ConfirmationRequired: bool.optional(),
    Operation: jobOperation,
    Report: jobReport,
    ClientRequestToken: str(1, 64),
    Manifest: jobManifest.optional(),
    Description: str(1, 256).optional(),
    Priority: z.int().min(0).max(2147483647),
    RoleArn: roleArn,
    Tags: s3TagSet.optional(),
    ManifestGenerator: jobManifestGenerator.optional(),
  })
  .refine((r) => (r.Manifest === undefined) !== (r.ManifestGenerator === undefined), {
    error: "give either a Manifest or a ManifestGenerator, not both and not neither",
    path: ["Manifest"],
  });
export type WireCreateJob = z.infer<typeof createJobRequest>;

export const putJobTaggingRequest = z.strictObject({ Tags: s3TagSet });

// ------------------------------------------------------------------ responses (written, never read)

export const JOB_STATUSES = ["Active", "Cancelled", "Cancelling", "Complete", "Completing", "Failed", "Failing", "New", "Paused", "Pausing", "Preparing", "Ready", "Suspended"] as const;
const jobStatus = z.enum(JOB_STATUSES);

const progressSummary = z.strictObject({
  TotalNumberOfTasks: long.min(0).optional(),
  NumberOfTasksSucceeded: long.min(0).optional(),
  NumberOfTasksFailed: long.min(0).optional(),
  Timers: z.strictObject({ ElapsedTimeInActiveSeconds: long.min(0).optional() }).optional(),
});

export const jobDescriptor = z.strictObject({
  JobId: jobId,
  ConfirmationRequired: bool.optional(),
  Description: z.string().optional(),
  JobArn: z.string().optional(),
  Status: jobStatus,
  Manifest: jobManifest.optional(),
  Operation: jobOperation.optional(),
  Priority: z.int(),
  ProgressSummary: progressSummary.optional(),
  StatusUpdateReason: z.string().optional(),
  FailureReasons: z.array(z.strictObject({ FailureCode: z.string().optional(), FailureReason: z.string().optional() })).optional(),
  Report: jobReport.optional(),
  CreationTime: timestamp,
  TerminationDate: timestamp.optional(),
  RoleArn: z.string().optional(),
  SuspendedDate: timestamp.optional(),
  SuspendedCause: z.string().optional(),
  ManifestGenerator: jobManifestGenerator.optional(),
  GeneratedManifestDescriptor: z
    .strictObject({ Format: z.enum([GENERATED_MANIFEST_FORMAT]).optional(), Location: jobManifestLocation.partial().optional() })
    .optional(),
});
export type WireJobDescriptor = z.infer<typeof jobDescriptor>;

export const jobListDescriptor = z.strictObject({
  JobId: jobId,
  Description: z.string().optional(),
  Operation: z.enum(OPERATION_NAMES as [OperationName, ...OperationName[]]).optional(),
  Priority: z.int(),
  Status: jobStatus,
  CreationTime: timestamp,
  TerminationDate: timestamp.optional(),
  ProgressSummary: progressSummary.optional(),
});
export type WireJobListDescriptor = z.infer<typeof jobListDescriptor>;

export const describeJobResult = z.strictObject({ Job: jobDescriptor });
export const listJobsResult = z.strictObject({ NextToken: z.string().optional(), Jobs: z.array(jobListDescriptor) });
export const createJobResult = z.strictObject({ JobId: jobId });
export const updateJobPriorityResult = z.strictObject({ JobId: jobId, Priority: z.int() });
export const updateJobStatusResult = z.strictObject({ JobId: jobId, Status: jobStatus, StatusUpdateReason: z.string().optional() });
export const getJobTaggingResult = z.strictObject({ Tags: s3TagSet });

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
