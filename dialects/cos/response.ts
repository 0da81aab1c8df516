import type { ListJobsResult } from "../../src/core/jobs/job-service.js";
import type { Job } from "../../src/core/model/job.js";
import { formatCosArn } from "./arn.js";
import { Echo } from "./echo.js";
import type { CosProblem } from "./errors.js";
import { encodeOperation, operationName, type ArnContext } from "./operations.js";
import * as W from "./shapes.js";

/**
 * Core results → COS XML (spec §3.2, §4, §5.2, §6.3, §6.4, §10.1), written through the shapes of
 * shapes.ts: timestamps in UTC to the second, texts as submitted where the job kept them.
 */

const FIELD_NAME = { ignore: "Ignore", bucket: "Bucket", key: "Key", versionId: "VersionId" } as const;
const MANIFEST_FORMAT = { csv: "COSBatchOperations_CSV_V1", inventory: "COSInventoryReport_CSV_V1" } as const;

export function encodeCreateJob(job: Job): string {
  return W.codec.document("CreateJobResult", W.createJobResult, { JobId: job.id });
}

export function encodeDescribeJob(job: Job): string {
  const echo = Echo.of(job.dialectData);
  const ctx: ArnContext = { region: job.tenant.region, appid: job.tenant.account };
  const { location } = job.manifest ?? { location: undefined };
  const arn = (key: string, bucket: string | undefined, objectKey?: string) =>
    echo.text(key, () => bucket && formatCosArn({ ...ctx, bucket, key: objectKey }));
  return W.codec.document("DescribeJobResult", W.describeJobResult, {
    Job: {
      ConfirmationRequired: job.confirmationRequired,
      CreationTime: timestamp(job.creationTime),
      Description: job.description,
      FailureReasons: {
        JobFailure: job.failureReasons.length
          ? job.failureReasons.map((f) => ({ FailureCode: f.code, FailureReason: f.reason }))
          : [{ FailureCode: "", FailureReason: "" }],
      },
      JobId: job.id,
      Manifest: job.manifest && {
        Location: {
          ETag: location?.etag,
          ObjectArn: arn("Manifest/Location/ObjectArn", location?.bucket, location?.key),
          ObjectVersionId: location?.versionId,
        },
        Spec: {
          Fields: job.manifest.fields?.map((f) => FIELD_NAME[f]),
          Format: MANIFEST_FORMAT[job.manifest.format],
        },
      },
      Operation: encodeOperation(job.operation, echo, ctx),
      Priority: job.priority,
      ProgressSummary: progress(job),
      Report: {
        Bucket: arn("Report/Bucket", job.report.bucket),
        Enabled: job.report.enabled,
        Format: echo.text("Report/Format", () => job.report.format) ?? job.report.format,
        Prefix: job.report.prefix,
        ReportScope: echo.text("Report/ReportScope", () => job.report.scope) ?? job.report.scope,
      },
      RoleArn: job.role,
      Status: job.status,
      StatusUpdateReason: job.statusUpdateReason,
      SuspendedCause: job.suspendedCause,
      SuspendedDate: timestamp(job.suspendedDate),
      TerminationDate: timestamp(job.terminationDate),
    },
  });
}

export function encodeListJobs(result: ListJobsResult): string {
  return W.codec.document("ListJobsResult", W.listJobsResult, {
    Jobs: result.jobs.map((job) => ({
        CreationTime: timestamp(job.creationTime),
        Description: job.description,
        JobId: job.id,
        Operation: operationName(job.operation),
        Priority: job.priority,
        ProgressSummary: progress(job),
        Status: job.status,
        TerminationDate: timestamp(job.terminationDate),
      })),
    // The docs' template shows an empty NextToken; a caller's loop ends on it (spec §5.2).
    NextToken: result.nextToken ?? "",
  });
}

export function encodeUpdatePriority(job: Job): string {
  return W.codec.document("UpdateJobPriorityResult", W.updateJobPriorityResult, { JobId: job.id, Priority: job.priority });
}

export function encodeUpdateStatus(job: Job): string {
  return W.codec.document("UpdateJobStatusResult", W.updateJobStatusResult, { JobId: job.id, Status: job.status, StatusUpdateReason: job.statusUpdateReason });
}

export function encodeError(problem: CosProblem, resource: string, requestId: string, traceId: string): string {
  return W.codec.document("Error", W.error, { Code: problem.code, Message: problem.message, Resource: resource, RequestId: requestId, TraceId: traceId });
}

function progress(job: Pick<Job, "progress">) {
  return {
    NumberOfTasksFailed: job.progress.failed ?? 0,
    NumberOfTasksSucceeded: job.progress.succeeded ?? 0,
    TotalNumberOfTasks: job.progress.total ?? 0,
  };
}

/** `2019-12-19T18:00:30Z`: UTC, whole seconds (D-DJ, GOT). */
export function timestamp(ms: number): string;
export function timestamp(ms: number | undefined): string | undefined;
export function timestamp(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
