import type { Job, ListJobsResult } from "../../src/core/index.js";
import { elapsedActiveSeconds } from "../../src/core/index.js";
import { encodeOperation, operationName } from "./operations.js";
import type { OssDialectData } from "./request.js";
import * as W from "./shapes.js";

/**
 * Job → OSS XML, written through the shapes of shapes.ts; every body carries the `<?xml ...?>`
 * prolog as every sample does [S-UJS, S-CJ].
 */

export function encodeCreateJob(job: Job): string {
  return W.codec.document("CreateJobResult", W.createJobResult, { JobId: job.id });
}

export function encodeDescribeJob(job: Job, now: number): string {
  const data = (job.dialectData ?? {}) as OssDialectData;
  const manifest = job.manifest;
  return W.codec.document("DescribeJobResult", W.describeJobResult, {
    Job: {
      ConfirmationRequired: job.confirmationRequired,
      CreationTime: new Date(job.creationTime),
      JobId: job.id,
      Operation: encodeOperation(job.operation),
      Report: {
        Bucket: job.report.bucket,
        Enabled: job.report.enabled,
        Prefix: job.report.prefix,
        ReportScope: job.report.scope,
      },
      Manifest: manifest && {
        Location: {
          ETag: manifest.location.etag,
          Bucket: manifest.location.bucket,
          Object: manifest.location.key,
          VersionId: manifest.location.versionId,
        },
        Spec: { Fields: data.manifestFields, Format: data.manifestFormat as string },
      },
      Description: job.description,
      Priority: job.priority,
      RoleArn: job.role,
      StatusUpdateReason: job.statusUpdateReason,
      ProgressSummary: progressSummary(job, now),
      KeyPrefixManifestGenerator: job.generator && { SourceBucket: job.generator.sourceBucket, Prefix: job.generator.prefix },
      // "Present even when the job did not fail" [D-DJ], then with an empty JobFailure: Go reads
      // JobFailure as a pointer inside FailureReasons, Java as a list [D-DJ, GO, JV].
      FailureReasons: {
        JobFailure: job.failureReasons.length ? job.failureReasons.map((f) => ({ FailureCode: f.code, FailureReason: f.reason })) : [{}],
      },
      Status: job.status,
      // Set once the job finished; for a running job absent (unspecified).
      TerminationDate: seconds(job.terminationDate),
    },
  });
}

export function encodeListJobs(result: ListJobsResult, now: number): string {
  return W.codec.document("ListJobsResult", W.listJobsResult, {
    // Only when more jobs remain [D-LJ].
    NextToken: result.nextToken,
    // Always present, empty when nothing matched (unspecified): Go's callers index
    // result.Jobs.JobListDescriptor without a nil check [GO-IT].
    Jobs: result.jobs.map((job) => ({
        CreationTime: new Date(job.creationTime),
        Description: job.description,
        JobId: job.id,
        Operation: operationName(job.operation),
        Priority: job.priority,
        ProgressSummary: progressSummary(job, now),
        TerminationDate: seconds(job.terminationDate),
        Status: job.status,
      })),
  });
}

export function encodeUpdateJobPriority(job: Job): string {
  return W.codec.document("UpdateJobPriorityResult", W.updateJobPriorityResult, { JobId: job.id, Priority: job.priority });
}

export function encodeUpdateJobStatus(job: Job): string {
  return W.codec.document("UpdateJobStatusResult", W.updateJobStatusResult, { JobId: job.id, Status: job.status, StatusUpdateReason: job.statusUpdateReason });
}

/** A time the shapes write in epoch seconds [D-DJ, GO `*int64`]. */
function seconds(ms: number | undefined): Date | undefined {
  return ms === undefined ? undefined : new Date(ms);
}

/** Counters are -1 while unknown, as in the captured fixtures [GO-T]; shapes.ts orders them. */
function progressSummary(job: Pick<Job, "progress">, now: number) {
  const p = job.progress;
  const timers = { ElapsedTimeInActiveSeconds: elapsedActiveSeconds(p, now) };
  // Until the manifest is counted all three are unknown, whatever the engine recorded on the way
  // (a job that failed while preparing shows -1/-1/-1 [GO-T]).
  const known = p.total !== null;
  const total = p.total ?? -1;
  const failed = known ? (p.failed ?? -1) : -1;
  const succeeded = known ? (p.succeeded ?? -1) : -1;
  return { NumberOfTasksFailed: failed, NumberOfTasksSucceeded: succeeded, Timers: timers, TotalNumberOfTasks: total };
}
