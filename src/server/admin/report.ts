import { parse } from "csv-parse/sync";
import { REPORT_LAYOUTS, type ReportLayout } from "../../core/engine/report-layouts.js";
import type { JobService } from "../../core/jobs/job-service.js";
import type { Job } from "../../core/model/job.js";
import { isObjectStoreError, type ObjectStore } from "../../core/ports.js";

/** What `GET /_batchplane/api/jobs/{id}/report` answers. */
export interface ReportSummary {
  location: { bucket: string; key: string };
  counts: { succeeded: number | null; failed: number | null };
  /** Failed tasks by error code, read from the report's failed-tasks file. */
  errorCodes: Record<string, number>;
  /** The first failed rows of the report, as columns. */
  failedRows: FailedRow[];
}

export interface FailedRow {
  bucket: string;
  key: string;
  versionId: string;
  httpStatus: string;
  errorCode: string;
  message: string;
}

export function layoutOf(jobs: JobService, job: Job): ReportLayout {
  const name = jobs.policyFor(job.tenant.dialect).reportLayout ?? "default";
  return REPORT_LAYOUTS[name] ?? REPORT_LAYOUTS.default!;
}

async function readText(objects: ObjectStore, bucket: string, key: string): Promise<string | undefined> {
  try {
    const { body } = await objects.get({ bucket, key });
    const parts: Uint8Array[] = [];
    for await (const part of body) parts.push(part);
    return Buffer.concat(parts).toString("utf8");
  } catch (e) {
    if (isObjectStoreError(e) && (e.code === "NoSuchKey" || e.code === "NoSuchBucket")) return undefined;
    throw e;
  }
}

/**
 * Reads a finished job's report: undefined while it has none (report disabled, job not finished,
 * report not written). Rows are read in the default layout's column order (Bucket, Key, VersionId,
 * TaskStatus, HTTPStatusCode, ErrorCode, ResultMessage).
 */
export async function readReport(jobs: JobService, objects: ObjectStore, job: Job, maxRows: number): Promise<ReportSummary | undefined> {
  const bucket = job.report.bucket;
  if (!job.report.enabled || bucket === undefined) return undefined;
  const layout = layoutOf(jobs, job);
  const location = { bucket, key: layout.manifestKey(job) };
  if ((await readText(objects, bucket, location.key)) === undefined) return undefined;
  const failedCsv = layout.statuses(job.report.scope ?? "AllTasks").includes("failed")
    ? await readText(objects, bucket, layout.resultsKey(job, "failed"))
    : undefined;
  const errorCodes: Record<string, number> = {};
  const failedRows: FailedRow[] = [];
  const rows: string[][] = failedCsv ? parse(failedCsv, { relax_column_count: true }) : [];
  for (const [rowBucket = "", key = "", versionId = "", , httpStatus = "", errorCode = "", message = ""] of rows) {
    errorCodes[errorCode] = (errorCodes[errorCode] ?? 0) + 1;
    if (failedRows.length < maxRows) failedRows.push({ bucket: rowBucket, key, versionId, httpStatus, errorCode, message });
  }
  return { location, counts: { succeeded: job.progress.succeeded, failed: job.progress.failed }, errorCodes, failedRows };
}
