import { elapsedActiveSeconds, type Job } from "../../core/model/job.js";

/**
 * The admin API's JSON shapes (a public interface: the CLI and a web console read them, so
 * fields are only ever added). Times are ISO 8601 strings; counters are null until known.
 */
export interface JobSummary {
  id: string;
  dialect: string;
  account: string;
  /** Empty when the dialect's wire gives no region. */
  region: string;
  status: string;
  priority: number;
  /** The operation's type in the core's words (putTagging, copy, restore...). */
  operation: string;
  createdAt: string;
  terminatedAt: string | null;
  progress: ProgressView;
}

export interface ProgressView {
  total: number | null;
  succeeded: number | null;
  failed: number | null;
  elapsedActiveSeconds: number;
}

export interface JobView extends JobSummary {
  description: string | null;
  confirmationRequired: boolean;
  statusUpdateReason: string | null;
  suspendedCause: string | null;
  failureReasons: { code: string; reason: string }[];
  report: ReportView;
  tags: { key: string; value: string }[];
}

export interface ReportView {
  enabled: boolean;
  bucket: string | null;
  prefix: string | null;
  scope: string | null;
  /** Where the report's manifest is (or will be) written, when the report is enabled. */
  location: { bucket: string; key: string } | null;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function jobSummary(job: Job, now: number): JobSummary {
  const p = job.progress;
  return {
    id: job.id,
    dialect: job.tenant.dialect,
    account: job.tenant.account,
    region: job.tenant.region,
    status: job.status,
    priority: job.priority,
    operation: job.operation.type,
    createdAt: iso(job.creationTime)!,
    terminatedAt: iso(job.terminationDate),
    progress: { total: p.total, succeeded: p.succeeded, failed: p.failed, elapsedActiveSeconds: elapsedActiveSeconds(p, now) },
  };
}

/** `manifestKey` is the job's report layout's (the dialect decides where its reports go). */
export function jobView(job: Job, now: number, manifestKey: string): JobView {
  const r = job.report;
  return {
    ...jobSummary(job, now),
    description: job.description ?? null,
    confirmationRequired: job.confirmationRequired,
    statusUpdateReason: job.statusUpdateReason ?? null,
    suspendedCause: job.suspendedCause ?? null,
    failureReasons: job.failureReasons.map((f) => ({ code: f.code, reason: f.reason })),
    report: {
      enabled: r.enabled,
      bucket: r.bucket ?? null,
      prefix: r.prefix ?? null,
      scope: r.scope ?? null,
      location: r.enabled && r.bucket !== undefined ? { bucket: r.bucket, key: manifestKey } : null,
    },
    tags: job.tags.map((t) => ({ key: t.key, value: t.value })),
  };
}
