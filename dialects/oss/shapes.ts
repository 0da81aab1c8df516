import { z } from "zod";
import { flatListOf, listOf, timestamp, XmlCodec } from "../xml/index.js";

/**
 * OSS's batch documents (shared/spec/alibaba-oss.md), declared for the shared XML codec
 * (dialects/xml): no namespace, element order as the Go SDK's structs and the captured fixtures
 * have it [GO, GO-T], lists named as there (`Tag`, `JobListDescriptor`, `JobFailure`), times in
 * epoch seconds [D-DJ, GO `*int64`].
 */

/** OSS trims values; its messages say "is not an element of X; expected ..." (MalformedXML). */
export const codec = new XmlCodec({
  trim: true,
  wording: {
    unknown: (parent, allowed) => `is not an element of ${parent}; ${allowed.length === 0 ? "it must be empty" : `expected ${allowed.join(", ")}`}`,
    notText: () => "must hold text, not elements",
  },
});

const text = z.string();
const seconds = timestamp("epoch-seconds");
const tagSet = z.strictObject({ TagSet: listOf(z.strictObject({ Key: text, Value: text }), "Tag") });

export const operation = z.strictObject({
  PutObjectTagging: tagSet.optional(),
  AddObjectTagging: tagSet.optional(),
  DeleteObjectTagging: z.strictObject({}).optional(),
  PutObjectAcl: z.strictObject({ ObjectAcl: text }).optional(),
  RestoreObject: z.strictObject({ Days: z.int().optional(), Tier: text.optional() }).optional(),
});
export type WireOperation = z.infer<typeof operation>;

/** DescribeJob's fixture puts Timers before TotalNumberOfTasks, ListJobs' after; both orders are kept. */
const timers = z.strictObject({ ElapsedTimeInActiveSeconds: z.int() });
const describedProgress = z.strictObject({ NumberOfTasksFailed: z.int(), NumberOfTasksSucceeded: z.int(), Timers: timers, TotalNumberOfTasks: z.int() });
const listedProgress = z.strictObject({ NumberOfTasksFailed: z.int(), NumberOfTasksSucceeded: z.int(), TotalNumberOfTasks: z.int(), Timers: timers });

export const describeJobResult = z.strictObject({
  Job: z.strictObject({
    ConfirmationRequired: z.boolean(),
    CreationTime: seconds,
    JobId: text,
    Operation: operation,
    Report: z.strictObject({ Bucket: text.optional(), Enabled: z.boolean(), Prefix: text.optional(), ReportScope: text.optional() }),
    Manifest: z
      .strictObject({
        Location: z.strictObject({ ETag: text.optional(), Bucket: text, Object: text, VersionId: text.optional() }),
        Spec: z.strictObject({ Fields: text.optional(), Format: text.optional() }),
      })
      .optional(),
    Description: text.optional(),
    Priority: z.int(),
    RoleArn: text,
    StatusUpdateReason: text.optional(),
    ProgressSummary: describedProgress,
    KeyPrefixManifestGenerator: z.strictObject({ SourceBucket: text, Prefix: text.optional() }).optional(),
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
export const error = z.strictObject({ Code: text, Message: text, RequestId: text, HostId: text, EC: text, RecommendDoc: text.optional() });
