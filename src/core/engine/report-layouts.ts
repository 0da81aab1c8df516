import { createHash } from "node:crypto";
import type { Job } from "../model/job.js";
import type { ReportScope } from "../model/report.js";
import type { TaskRecord } from "../manifest/records.js";
import type { TaskResult } from "../operations/types.js";

export type TaskStatus = "succeeded" | "failed";

/** One results file of a finished report, as manifest.json lists it. */
export interface ResultsFile {
  status: TaskStatus;
  bucket: string;
  key: string;
  md5: string;
}

/**
 * Where a report's objects go and what they hold. A dialect picks one by name through its
 * LifecyclePolicy.reportLayout; without one a job gets the default (S3's).
 */
export interface ReportLayout {
  /** The task statuses that get a results file, for a report scope. */
  statuses(scope: ReportScope): readonly TaskStatus[];
  manifestKey(job: Job): string;
  resultsKey(job: Job, status: TaskStatus): string;
  /**
   * No longer used: the engine keeps a running job's rows in its work-lease store (the default one
   * spills them beside the report, never under its prefix). Kept optional so that layouts written
   * for earlier versions compile.
   */
  partKey?(job: Job, seq: number, status: TaskStatus): string;
  /** One results row, newline included. */
  row(record: TaskRecord, result: TaskResult): string;
  manifestBody(job: Job, files: readonly ResultsFile[], now: number): string;
}

/** `<prefix>/job-<id>`; an empty prefix gives `job-<id>` (a trailing slash on the prefix is not doubled). */
export function jobReportBase(job: Job): string {
  const prefix = (job.report.prefix ?? "").replace(/\/+$/, "");
  return prefix === "" ? `job-${job.id}` : `${prefix}/job-${job.id}`;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180: quote a field holding a comma, quote, line break or edge whitespace; double its quotes. */
export function csvField(value: string): string {
  const n = value.length;
  if (n === 0) return value;
  if (!NEEDS_QUOTES.test(value) && value.charCodeAt(0) > 32 && value.charCodeAt(n - 1) > 32) return value;
  return `"${value.replace(/"/g, '""')}"`;
}

/**
 * The default row, made cheap for the hot path: most rows share their bucket and their result
 * (the one SUCCEEDED object), so those parts are rendered once and reused.
 */
function rowWriter(): ReportLayout["row"] {
  let lastResult: TaskResult | undefined;
  let tail = "";
  let lastBucket: string | undefined;
  let bucketField = "";
  return (r, t) => {
    if (t !== lastResult) {
      lastResult = t;
      tail = `,${t.status},${t.httpStatus},${csvField(t.errorCode ?? "")},${csvField(t.message ?? "")}\n`;
    }
    if (r.bucket !== lastBucket) {
      lastBucket = r.bucket;
      bucketField = csvField(r.bucket);
    }
    return `${bucketField},${csvField(r.encodedKey)},${r.versionId === undefined ? "" : csvField(r.versionId)}${tail}`;
  };
}

/** The default layout: S3's Report_CSV_20180820 (spec S3 §6.12). */
export const DEFAULT_REPORT_LAYOUT: ReportLayout = {
  statuses: (scope) => (scope === "FailedTasksOnly" ? ["failed"] : ["succeeded", "failed"]),
  manifestKey: (job) => `${jobReportBase(job)}/manifest.json`,
  // 40 hex characters, as in every published example; derived from job and status so a resumed
  // engine writes the same names.
  resultsKey: (job, status) => `${jobReportBase(job)}/results/${createHash("sha1").update(`${job.id}/${status}`).digest("hex")}.csv`,
  // Data rows put HTTPStatusCode before ErrorCode although ReportSchema names them the other way
  // round: AWS's own sample rows and real reports do so (spec §6.12, "Column order discrepancy").
  row: rowWriter(),
  manifestBody: (_job, files, now) =>
    JSON.stringify({
      Format: "Report_CSV_20180820",
      ReportCreationDate: new Date(now).toISOString(),
      Results: files.map((f) => ({ TaskExecutionStatus: f.status, Bucket: f.bucket, MD5Checksum: f.md5, Key: f.key })),
      // Verbatim, though the rows' order differs (see `row`).
      ReportSchema: "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage",
    }),
};

/** Report layouts by name (LifecyclePolicy.reportLayout); a policy without one gets "default". */
export const REPORT_LAYOUTS: Readonly<Record<string, ReportLayout>> = { default: DEFAULT_REPORT_LAYOUT };
