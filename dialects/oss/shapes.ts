import { z } from "zod";
import { flatListOf, listOf, raw, timestamp, truncate, XmlCodec } from "../xml/index.js";
import {
  clientRequestTokenSchema,
  manifestFormatSchema,
  objectAclSchema,
  prioritySchema,
  reportScopeSchema,
  restoreDaysSchema,
  restoreTierSchema,
} from "./schemas.js";

/**
 * OSS's batch documents (shared/spec/alibaba-oss.md), declared for the shared XML codec
 * (dialects/xml): no namespace, element order as the Go SDK's structs and the captured fixtures
 * have it [GO, GO-T], lists named as there (`Tag`, `JobListDescriptor`, `JobFailure`), times in
 * epoch seconds [D-DJ, GO `*int64`]. CreateJobRequest is read through the same shapes: its
 * values arrive as text and schemas.ts says what each may be. The codes for what is wrong are
 * unspecified; COS's analog is the model: an element out of place is MalformedXML, an absent one
 * MissingArgument, a bad value InvalidArgument (errors.ts, by the problem's kind).
 */

/** OSS trims values (not tags'), takes `TRUE`, names list items exactly, and says what it got. */
export const codec = new XmlCodec({
  trim: true,
  strictItems: true,
  anyCaseBooleans: true,
  wording: {
    unknown: (parent, allowed) => `is not an element of ${parent}; ${allowed.length === 0 ? "it must be empty" : `expected ${allowed.join(", ")}`}`,
    notText: () => "must hold text, not elements",
    issue: (issue) => `${issue.message}${typeof issue.input === "string" ? ` (got "${truncate(issue.input)}")` : ""}`,
  },
});

const text = z.string();
/** A value that, once sent, must not be empty. */
const given = z.string().min(1, { error: "must not be empty" });
const seconds = timestamp("epoch-seconds");
// Spaces in a tag are data.
const tagSet = z.strictObject({ TagSet: listOf(z.strictObject({ Key: raw(text), Value: raw(text) }), "Tag") });

export const operation = z.strictObject({
  PutObjectTagging: tagSet.optional(),
  AddObjectTagging: tagSet.optional(),
  DeleteObjectTagging: z.strictObject({}).optional(),
  PutObjectAcl: z.strictObject({ ObjectAcl: given.pipe(objectAclSchema) }).optional(),
  RestoreObject: z.strictObject({ Days: restoreDaysSchema.optional(), Tier: restoreTierSchema.optional() }).optional(),
});
export type WireOperation = z.output<typeof operation>;
/** What the response writer gives the codec (values before the schemas' transforms). */
export type WireOperationOut = z.input<typeof operation>;

/** DescribeJob's fixture puts Timers before TotalNumberOfTasks, ListJobs' after; both orders are kept. */
const timers = z.strictObject({ ElapsedTimeInActiveSeconds: z.int() });
const describedProgress = z.strictObject({ NumberOfTasksFailed: z.int(), NumberOfTasksSucceeded: z.int(), Timers: timers, TotalNumberOfTasks: z.int() });
const listedProgress = z.strictObject({ NumberOfTasksFailed: z.int(), NumberOfTasksSucceeded: z.int(), TotalNumberOfTasks: z.int(), Timers: timers });

/** The Bucket a report needs only when enabled, and the role's form, are request.ts's to check. */
const report = z.strictObject({ Bucket: given.optional(), Enabled: z.boolean(), Prefix: text.optional(), ReportScope: reportScopeSchema.optional() });
const manifest = z.strictObject({
  Location: z.strictObject({ ETag: given.optional(), Bucket: given, Object: given, VersionId: given.optional() }),
  Spec: z.strictObject({ Fields: given.optional(), Format: given.pipe(manifestFormatSchema) }),
});
const keyPrefixGenerator = z.strictObject({ SourceBucket: given, Prefix: text.optional() });

export const createJobRequest = z.strictObject({
  ConfirmationRequired: z.boolean().optional(),
  Operation: operation,
  Report: report,
  ClientRequestToken: given.pipe(clientRequestTokenSchema),
  Manifest: manifest.optional(),
  KeyPrefixManifestGenerator: keyPrefixGenerator.optional(),
  Description: text.optional(),
  Priority: given.pipe(prioritySchema),
  RoleArn: given,
});
export type WireCreateJob = z.output<typeof createJobRequest>;

export const describeJobResult = z.strictObject({
  Job: z.strictObject({
    ConfirmationRequired: z.boolean(),
    CreationTime: seconds,
    JobId: text,
    Operation: operation,
    Report: report,
    Manifest: manifest.optional(),
    Description: text.optional(),
    Priority: z.int(),
    RoleArn: text,
    StatusUpdateReason: text.optional(),
    ProgressSummary: describedProgress,
    KeyPrefixManifestGenerator: keyPrefixGenerator.optional(),
    FailureReasons: z.strictObject({ JobFailure: flatListOf(z.strictObject({ FailureCode: text.optional(), FailureReason: text.optional() })) }),
    Status: text,
    TerminationDate: seconds.optional(),
  }),
});

export const listJobsResult = z.strictObject({
  NextToken: text.optional(),
  Jobs: listOf(
    z.strictObject({
      CreationTime: seconds,
      Description: text.optional(),
      JobId: text,
      Operation: text,
      Priority: z.int(),
      ProgressSummary: listedProgress,
      TerminationDate: seconds.optional(),
      Status: text,
    }),
    "JobListDescriptor",
  ),
});

export const createJobResult = z.strictObject({ JobId: text });
export const updateJobPriorityResult = z.strictObject({ JobId: text, Priority: z.int() });
export const updateJobStatusResult = z.strictObject({ JobId: text, Status: text, StatusUpdateReason: text.optional() });
/** Signature errors add what the server signed, between HostId and EC [SIGERR]. */
const SIGNATURE_DETAILS = ["OSSAccessKeyId", "SignatureProvided", "StringToSign", "StringToSignBytes", "CanonicalRequest", "Reason", "Credential", "Expires", "RequestTime", "ServerTime"] as const;
export const error = z.strictObject({
  Code: text,
  Message: text,
  RequestId: text,
  HostId: text,
  ...(Object.fromEntries(SIGNATURE_DETAILS.map((n) => [n, text.optional()])) as Record<(typeof SIGNATURE_DETAILS)[number], z.ZodOptional<typeof text>>),
  EC: text,
  RecommendDoc: text.optional(),
});
