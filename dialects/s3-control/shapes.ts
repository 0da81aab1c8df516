import { z } from "zod";
import { long as xmlLong, timestamp as xmlTimestamp, XmlCodec } from "../xml/index.js";
import {
  accountId,
  cannedAcl,
  copyTargetArn,
  functionArn,
  jobId,
  jobStatus,
  kmsKeyArn,
  lockMode,
  nonEmptyKmsKeyArn,
  onOff,
  roleArn,
  s3BucketArn,
  s3KeyArn,
  storageClass,
  str,
  TAG_PATTERN,
  tagText,
} from "./schemas.js";

/**
 * The S3 Control job API's documents (botocore s3control 2018-08-20 service model), declared
 * for the shared XML codec (dialects/xml): keyed by their element names, in the model's member
 * order, lists as `<member>` items unless named otherwise, timestamps ISO-8601 with milliseconds.
 * One model serves both directions: the codec reads request XML through it (order-independent,
 * any list item name) and writes responses through it, and zod enforces every constraint.
 *
 * Conventions (dialects/xml/shapes.ts): object = structure (strict: an unknown element is an
 * error), array = non-flattened list, record = map (`<entry><key/><value/></entry>`), date =
 * timestamp, int = integer.
 */

export const XMLNS = "http://awss3control.amazonaws.com/doc/2018-08-20/";

/** Strings as sent (a tag value's spaces are data), in botocore's words. */
export const codec = new XmlCodec();

const timestamp = xmlTimestamp("iso");
const long = z.int();
const bool = z.boolean();

export const s3Tag = z.strictObject({
  Key: str(1, 128).regex(TAG_PATTERN, tagText),
  Value: z.string().max(256).regex(TAG_PATTERN, tagText),
});
export const s3TagSet = z.array(s3Tag);

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
      // The model's long: any 64-bit value, negative ones included (request.ts maps them to the core).
      ObjectSizeGreaterThanBytes: xmlLong().optional(),
      ObjectSizeLessThanBytes: xmlLong().optional(),
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
/** The envelope of every error (no namespace, spec §5.1). */
function optionalStrings<K extends string>(...names: K[]): Record<K, z.ZodOptional<z.ZodString>> {
  return Object.fromEntries(names.map((n) => [n, z.string().optional()])) as Record<K, z.ZodOptional<z.ZodString>>;
}

export const errorResponse = z.strictObject({
  // A signature error adds what the server signed (StringToSign, CanonicalRequest...), as S3 does.
  Error: z.strictObject({
    Code: z.string(),
    Message: z.string(),
    ...optionalStrings("AWSAccessKeyId", "StringToSign", "SignatureProvided", "CanonicalRequest", "RequestTime", "ServerTime", "Expires"),
  }),
  RequestId: z.string(),
  HostId: z.string(),
});
