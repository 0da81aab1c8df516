import { z } from "zod";
import { flatListOf, listOf, XmlCodec } from "../xml/index.js";
import * as S from "./schemas.js";

/**
 * COS's batch documents (spec §3–§7, §10.1), declared for the shared XML codec (dialects/xml):
 * no namespace, wrapped lists of `<member>` unless named (`COSTag`, `COSGrant`), every value
 * text (timestamps are texts as submitted or UTC to the second; schemas.ts reads them), and
 * DescribeJob's children in alphabetical order, as the docs and the Go fixture have them.
 * CreateJobRequest is read through them: schemas.ts checks each value, request.ts what a shape
 * cannot say. Texts a job echoes as submitted (ARNs, times, prefixes, directives) are read as text
 * and parsed there.
 */

/**
 * COS trims values, names list items exactly, and says "is not an element of X; expected ..."
 * (MalformedXML, spec §10.2); its value schemas word their own messages (InvalidArgument).
 */
export const codec = new XmlCodec({
  trim: true,
  strictItems: true,
  wording: {
    unknown: (parent, allowed) =>
      parent === "Operation" ? `is not a COS batch operation; expected one of ${allowed.join(", ")}` : `is not an element of ${parent}; expected ${allowed.join(", ")}`,
    notText: () => "must hold a value, not elements",
    issue: (issue) => issue.message,
  },
});

const text = z.string();
const tag = z.strictObject({ Key: S.tagKey, Value: S.tagValue.optional() });
const tags = listOf(tag, "COSTag");

const grant = z.strictObject({
  Grantee: z.strictObject({ DisplayName: S.headerValue.optional(), Identifier: S.granteeIdentifier, TypeIdentifier: S.typeIdentifier }),
  Permission: S.permission,
});

export const copyObject = z.strictObject({
  AccessControlDirective: text.optional(),
  AccessControlGrants: listOf(grant, "COSGrant").optional(),
  CannedAccessControlList: S.cannedAcl.optional(),
  PrefixReplace: text.optional(),
  ResourcesPrefix: S.keyPrefix.optional(),
  TargetKeyPrefix: S.keyPrefix.optional(),
  MetadataDirective: text.optional(),
  ModifiedSinceConstraint: text.optional(),
  UnModifiedSinceConstraint: text.optional(),
  NewObjectMetadata: z
    .strictObject({
      CacheControl: S.headerValue.optional(),
      ContentDisposition: S.headerValue.optional(),
      ContentEncoding: S.headerValue.optional(),
      ContentType: S.headerValue.optional(),
      HttpExpiresDate: text.optional(),
      SSEAlgorithm: S.sseAlgorithm.optional(),
      UserMetadata: listOf(z.strictObject({ Key: S.metadataKey, Value: S.headerValue.optional() })).optional(),
    })
    .optional(),
  TaggingDirective: text.optional(),
  NewObjectTagging: tags.optional(),
  StorageClass: S.storageClass.optional(),
  TargetResource: S.arnText,
});

export const operation = z.strictObject({
  COSPutObjectCopy: copyObject.optional(),
  COSInitiateRestoreObject: z.strictObject({ ExpirationInDays: S.expirationInDays, JobTier: S.jobTier }).optional(),
  COSPutObjectTagging: z.strictObject({ TaggingDirective: text.optional(), TagSet: tags }).optional(),
  COSDeleteObject: z.strictObject({}).optional(),
});
export type WireOperation = z.output<typeof operation>;
/** What the response writer gives the codec (values before the schemas' transforms). */
export type WireOperationOut = z.input<typeof operation>;

export const createJobRequest = z.strictObject({
  ClientRequestToken: S.clientRequestToken,
  ConfirmationRequired: S.booleanText.optional(),
  Description: S.description.optional(),
  Manifest: z.strictObject({
    Location: z.strictObject({ ETag: S.etag, ObjectArn: S.arnText, ObjectVersionId: S.objectVersionId.optional() }),
    Spec: z.strictObject({ Fields: listOf(S.manifestField).optional(), Format: S.manifestFormat }),
  }),
  Operation: operation,
  Priority: S.priority,
  // Bucket, Format and ReportScope are needed only when the report is enabled (request.ts).
  Report: z.strictObject({ Bucket: text.optional(), Enabled: S.booleanText, Format: text.optional(), Prefix: S.reportPrefix.optional(), ReportScope: text.optional() }),
  RoleArn: S.roleArn,
});
export type WireCreateJob = z.output<typeof createJobRequest>;

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
