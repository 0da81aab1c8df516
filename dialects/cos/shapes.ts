import { z } from "zod";
import { flatListOf, listOf, XmlCodec } from "../xml/index.js";

/**
 * COS's batch documents (spec §3–§7, §10.1), declared for the shared XML codec (dialects/xml):
 * no namespace, wrapped lists of `<member>` unless named (`COSTag`, `COSGrant`), every value
 * text (timestamps are texts as submitted or UTC to the second; schemas.ts reads them), and
 * DescribeJob's children in alphabetical order, as the docs and the Go fixture have them.
 */

/** COS trims values and says "is not an element of X; expected ..." (spec §10.2: MalformedXML). */
export const codec = new XmlCodec({
  trim: true,
  wording: {
    unknown: (parent, allowed) => `is not an element of ${parent}; expected ${allowed.join(", ")}`,
    notText: () => "must hold a value, not elements",
  },
});

const text = z.string();
const tag = z.strictObject({ Key: text, Value: text });
const tags = listOf(tag, "COSTag");

const grant = z.strictObject({
  Grantee: z.strictObject({ DisplayName: text.optional(), Identifier: text, TypeIdentifier: text }),
  Permission: text,
});

export const copyObject = z.strictObject({
  AccessControlDirective: text.optional(),
  AccessControlGrants: listOf(grant, "COSGrant").optional(),
  CannedAccessControlList: text.optional(),
  PrefixReplace: text.optional(),
  ResourcesPrefix: text.optional(),
  TargetKeyPrefix: text.optional(),
  MetadataDirective: text.optional(),
  ModifiedSinceConstraint: text.optional(),
  UnModifiedSinceConstraint: text.optional(),
  NewObjectMetadata: z
    .strictObject({
      CacheControl: text.optional(),
      ContentDisposition: text.optional(),
      ContentEncoding: text.optional(),
      ContentType: text.optional(),
      HttpExpiresDate: text.optional(),
      SSEAlgorithm: text.optional(),
      UserMetadata: listOf(tag).optional(),
    })
    .optional(),
  TaggingDirective: text.optional(),
  NewObjectTagging: tags.optional(),
  StorageClass: text.optional(),
  TargetResource: text,
});

export const operation = z.strictObject({
  COSPutObjectCopy: copyObject.optional(),
  COSInitiateRestoreObject: z.strictObject({ ExpirationInDays: z.int(), JobTier: text }).optional(),
  COSPutObjectTagging: z.strictObject({ TaggingDirective: text, TagSet: tags }).optional(),
  COSDeleteObject: z.strictObject({}).optional(),
});
export type WireOperation = z.infer<typeof operation>;

const progressSummary = z.strictObject({ NumberOfTasksFailed: z.int(), NumberOfTasksSucceeded: z.int(), TotalNumberOfTasks: z.int() });

export const describeJobResult = z.strictObject({
  Job: z.strictObject({
    ConfirmationRequired: z.boolean(),
    CreationTime: text,
    Description: text.optional(),
    // The Go fixture carries one JobFailure, an empty one even for a job that succeeded.
    FailureReasons: z.strictObject({ JobFailure: flatListOf(z.strictObject({ FailureCode: text, FailureReason: text })) }),
    JobId: text,
    Manifest: z
      .strictObject({
        Location: z.strictObject({ ETag: text.optional(), ObjectArn: text.optional(), ObjectVersionId: text.optional() }),
        Spec: z.strictObject({ Fields: listOf(text).optional(), Format: text }),
      })
      .optional(),
    Operation: operation,
    Priority: z.int(),
    ProgressSummary: progressSummary,
    Report: z.strictObject({ Bucket: text.optional(), Enabled: z.boolean(), Format: text.optional(), Prefix: text.optional(), ReportScope: text.optional() }),
    RoleArn: text,
    Status: text,
    StatusUpdateReason: text.optional(),
    SuspendedCause: text.optional(),
    SuspendedDate: text.optional(),
    TerminationDate: text.optional(),
  }),
});
export type WireJob = z.infer<typeof describeJobResult>["Job"];

export const listJobsResult = z.strictObject({
  Jobs: listOf(
    z.strictObject({
      CreationTime: text,
      Description: text.optional(),
      JobId: text,
      Operation: text,
      Priority: z.int(),
      ProgressSummary: progressSummary,
      Status: text,
      TerminationDate: text.optional(),
    }),
  ),
  NextToken: text,
});

export const createJobResult = z.strictObject({ JobId: text });
export const updateJobPriorityResult = z.strictObject({ JobId: text, Priority: z.int() });
export const updateJobStatusResult = z.strictObject({ JobId: text, Status: text, StatusUpdateReason: text.optional() });
export const error = z.strictObject({ Code: text, Message: text, Resource: text, RequestId: text, TraceId: text });
