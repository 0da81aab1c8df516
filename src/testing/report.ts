import { createHash } from "node:crypto";
import { parse } from "csv-parse/sync";
import { bodyToBytes } from "../core/body.js";
import { jobReportBase } from "../core/engine/report-layouts.js";
import { decodeKey } from "../core/manifest/records.js";
import type { Job } from "../core/model/job.js";
import { isObjectStoreError, type ObjectStore } from "../core/ports.js";

/** One row of a completion report, as written (numbers parsed, the key also decoded). */
export interface ReportRow {
  bucket: string;
  /** The key as the report spells it: URL-encoded. */
  encodedKey: string;
  key: string;
  versionId: string;
  status: "succeeded" | "failed";
  httpStatus: number;
  errorCode: string;
  message: string;
}

export interface ReportFile {
  status: "succeeded" | "failed";
  bucket: string;
  key: string;
  md5: string;
  /** Whether MD5Checksum is the MD5 of the file as stored. */
  md5Matches: boolean;
  rows: ReportRow[];
}

export interface CompletionReport {
  manifestKey: string;
  /** manifest.json as parsed. */
  manifest: { Format: string; ReportCreationDate: string; ReportSchema: string; Results: unknown[] };
  files: ReportFile[];
  /** Every row of every file, in file order. */
  rows: ReportRow[];
}

/**
 * Reads a job's completion report (the default, S3-style layout): manifest.json, then each results
 * file it lists. Undefined when the job has no report (none asked for, or no task ran).
 */
export async function readReport(store: ObjectStore, job: Pick<Job, "id" | "report">): Promise<CompletionReport | undefined> {
  if (!job.report.enabled || job.report.bucket === undefined) return undefined;
  const manifestKey = `${jobReportBase(job as Job)}/manifest.json`;
  let text: string;
  try {
    text = await readText(store, job.report.bucket, manifestKey);
  } catch (e) {
    if (isObjectStoreError(e) && e.status === 404) return undefined;
    throw e;
  }
  const manifest = JSON.parse(text) as CompletionReport["manifest"];
  const files: ReportFile[] = [];
  for (const r of manifest.Results as { TaskExecutionStatus: "succeeded" | "failed"; Bucket: string; Key: string; MD5Checksum: string }[]) {
    const content = await readText(store, r.Bucket, r.Key);
    const rows = (parse(content, { relax_column_count: true }) as string[][]).map(toRow);
    const md5Matches = createHash("md5").update(content).digest("hex") === r.MD5Checksum;
    files.push({ status: r.TaskExecutionStatus, bucket: r.Bucket, key: r.Key, md5: r.MD5Checksum, md5Matches, rows });
  }
  return { manifestKey, manifest, files, rows: files.flatMap((f) => f.rows) };
}

function toRow(cells: string[]): ReportRow {
  const [bucket = "", encodedKey = "", versionId = "", status = "", http = "", errorCode = "", message = ""] = cells;
  return {
    bucket,
    encodedKey,
    key: decodeKey(encodedKey) ?? encodedKey,
    versionId,
    status: status as ReportRow["status"],
    httpStatus: Number(http),
    errorCode,
    message,
  };
}

async function readText(store: ObjectStore, bucket: string, key: string): Promise<string> {
  const { body } = await store.get({ bucket, key });
  return new TextDecoder().decode(await bodyToBytes(body));
}
