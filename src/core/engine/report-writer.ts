import { createHash } from "node:crypto";
import type { Job } from "../model/job.js";
import type { ObjectStore, ReportChunk, UnitStep } from "../ports.js";
import type { Retrier } from "./retries.js";
import type { ReportLayout, ResultsFile, TaskStatus } from "./report-layouts.js";

export interface TakenRows {
  succeeded: number;
  failed: number;
  rows: Record<TaskStatus, string[]>;
}

/** Joins a job's recorded rows (from the work-lease store) into its report when it ends. */
export class ReportWriter {
  constructor(
    /** Retrying store for whole-body writes. */
    private readonly objects: ObjectStore,
    /** The store itself, for streamed writes that are retried here by rebuilding the stream. */
    private readonly raw: ObjectStore,
    private readonly retrier: Retrier,
  ) {}

  /**
   * Writes one results file per reported status with rows (streamed from `rows`, MD5 computed on
   * the way), then manifest.json, which makes the report whole. A status without rows gets no
   * file. On a failure, the results files written are removed (best effort) before it rejects:
   * a report that could not be written leaves nothing behind.
   */
  async writeReport(
    job: Job,
    layout: ReportLayout,
    reported: Record<TaskStatus, number>,
    rows: (status: TaskStatus) => AsyncIterable<ReportChunk>,
    now: number,
  ): Promise<void> {
    const bucket = job.report.bucket!;
    const files: ResultsFile[] = [];
    try {
      for (const status of reportedStatuses(job, layout)) {
        if (reported[status] === 0) continue;
        const key = layout.resultsKey(job, status);
        let md5 = "";
        files.push({ status, bucket, key, md5 });
        await this.retrier.run(async () => {
          const hash = createHash("md5");
          await this.raw.put({ bucket, key, body: joined(rows(status), hash), contentType: "text/csv" });
          md5 = hash.digest("hex");
        });
        files[files.length - 1]!.md5 = md5;
      }
      await this.objects.put({ bucket, key: layout.manifestKey(job), body: layout.manifestBody(job, files, now), contentType: "application/json" });
    } catch (e) {
      for (const f of files) await this.raw.delete({ bucket, key: f.key }).catch(() => undefined);
      throw e;
    }
  }
}

const encoder = new TextEncoder();

async function* joined(chunks: AsyncIterable<ReportChunk>, hash: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  for await (const rows of chunks) {
    const bytes = rows instanceof Uint8Array ? rows : encoder.encode(rows.join(""));
    if (bytes.byteLength === 0) continue;
    hash.update(bytes);
    yield bytes;
  }
}

/** The counters and rows of the tasks taken, as one step of a unit. */
export function stepOf(taken: TakenRows, position: number): UnitStep {
  return { position, succeeded: taken.succeeded, failed: taken.failed, rows: taken.rows };
}

/** The statuses whose rows a job's report keeps; none when the report is off. */
export function reportedStatuses(job: Job, layout: ReportLayout): readonly TaskStatus[] {
  if (!job.report.enabled || job.report.bucket === undefined) return [];
  return layout.statuses(job.report.scope ?? "AllTasks");
}
