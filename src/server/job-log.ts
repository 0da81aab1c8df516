import { checkpointOf } from "../core/engine/checkpoint.js";
import type { JobChange, JobService } from "../core/jobs/job-service.js";
import type { Job } from "../core/model/job.js";
import type { JobStatus } from "../core/model/status.js";
import { layoutOf } from "./admin/report.js";
import type { LogRecord, LogSink } from "./server-log.js";

const counts = (job: Job) => `${job.progress.total ?? 0} tasks, ${job.progress.succeeded ?? 0} succeeded, ${job.progress.failed ?? 0} failed`;
const reasons = (job: Job) => job.failureReasons.map((f) => `${f.code}: ${f.reason}`).join("; ");

/** The line for a job entering a status, as data; statuses without one are not logged. */
const ON_STATUS: Partial<Record<JobStatus, (job: Job, from: JobStatus) => Omit<LogRecord, "fields"> | undefined>> = {
  Suspended: (job) => ({ level: "info", event: "job.suspended", message: `job ${job.id} prepared: ${job.progress.total ?? 0} tasks; Suspended, awaiting confirmation` }),
  Ready: (job, from) =>
    from === "Preparing"
      ? { level: "info", event: "job.prepared", message: `job ${job.id} prepared: ${job.progress.total ?? 0} tasks` }
      : { level: "info", event: "job.confirmed", message: `job ${job.id} Ready (${from === "Suspended" ? "confirmed" : `from ${from}`})` },
  Active: (job) => ({ level: "info", event: "job.active", message: `job ${job.id} Active` }),
  Complete: (job) => ({ level: "info", event: "job.complete", message: `job ${job.id} Complete: ${counts(job)}` }),
  Failed: (job) => ({ level: "warn", event: "job.failed", message: `job ${job.id} Failed: ${reasons(job) || "no reason given"}` }),
  Cancelled: (job) => ({
    level: "info",
    event: "job.cancelled",
    message: `job ${job.id} Cancelled after ${counts(job)}${job.statusUpdateReason ? ` (${job.statusUpdateReason})` : ""}`,
  }),
};

function fieldsOf(jobs: JobService, job: Job): LogRecord["fields"] {
  const report = job.report.enabled && job.report.bucket !== undefined ? `${job.report.bucket}/${layoutOf(jobs, job).manifestKey(job)}` : undefined;
  return {
    jobId: job.id,
    dialect: job.tenant.dialect,
    account: job.tenant.account,
    status: job.status,
    total: job.progress.total,
    succeeded: job.progress.succeeded,
    failed: job.progress.failed,
    report: job.status === "Complete" || job.status === "Failed" ? report : undefined,
  };
}

/** One line per job lifecycle event (created, prepared, Suspended, Active, Complete, Failed, Cancelled). */
export function logJobLifecycle(jobs: JobService, sink: LogSink): () => void {
  return jobs.subscribe((job: Job, change: JobChange) => {
    let line: Omit<LogRecord, "fields"> | undefined;
    if (change.type === "created") {
      line = {
        level: "info",
        event: "job.created",
        message: `job ${job.id} created: dialect ${job.tenant.dialect}, account ${job.tenant.account}${job.tenant.region ? `, region ${job.tenant.region}` : ""}, operation ${job.operation.type}`,
      };
    } else if (change.type === "status") {
      line = ON_STATUS[change.to]?.(job, change.from);
      if (line && change.to === "Complete" && job.report.enabled && job.report.bucket !== undefined) {
        line = { ...line, message: `${line.message}; report ${job.report.bucket}/${layoutOf(jobs, job).manifestKey(job)}` };
      }
    }
    if (line) sink({ ...line, fields: { ...fieldsOf(jobs, job), operation: job.operation.type } });
  });
}

/** Statuses in which a job that was running when the process stopped is taken up again. */
const RESUMED: readonly JobStatus[] = ["Active", "Pausing", "Completing", "Cancelling", "Failing"];

/** Before the engine starts: one line per job it will resume, with where it resumes from. */
export async function logResumedJobs(jobs: JobService, sink: LogSink): Promise<void> {
  for (const job of await jobs.store.scan(RESUMED)) {
    const from = checkpointOf(job).position;
    sink({ level: "info", event: "job.resumed", message: `job ${job.id} resumed after a restart from ${from} tasks done (${job.status})`, fields: { ...fieldsOf(jobs, job), from } });
  }
}
