import { createHash } from "node:crypto";
import type { Job } from "../model/job.js";
import type { ObjectStore, UnitStep } from "../ports.js";
import type { TaskRecord } from "../manifest/records.js";
import type { TaskResult } from "../operations/types.js";
import type { Retrier } from "./retries.js";
import type { ReportLayout, ResultsFile, TaskStatus } from "./report-layouts.js";

/**
 * Finished tasks of a unit not yet recorded, in the order they finished. Tasks finish out of
 * order, so a step takes only those below the finished prefix and keeps the rest. Rows are
 * rendered when taken, not when the task finishes: a pending task holds its record and result
 * only, which keeps what lives until the next step small.
 */
export class PendingRows {
  private records: TaskRecord[] = [];
  private results: TaskResult[] = [];

  get size(): number {
    return this.records.length;
  }

  add(record: TaskRecord, result: TaskResult): void {
    this.records.push(record);
    this.results.push(result);
  }

  /**
   * Removes the tasks below `position` and gives their counts and, for the statuses `render`
   * reports, their rows in manifest order: as each step covers the next range of records, the
   * report follows the manifest.
   */
  takeBelow(position: number, render: (record: TaskRecord, result: TaskResult) => string | undefined): TakenRows {
    const taken: TakenRows = { succeeded: 0, failed: 0, rows: { succeeded: [], failed: [] } };
    const below: number[] = [];
    const keep = new PendingRows();
    let sorted = true;
    let last = -1;
    for (let i = 0; i < this.records.length; i++) {
      const ordinal = this.records[i]!.ordinal;
      if (ordinal >= position) {
        keep.add(this.records[i]!, this.results[i]!);
        continue;
      }
      if (ordinal < last) sorted = false;
      last = ordinal;
      below.push(i);
    }
    // Tasks mostly finish in the order they started: sort only when they did not.
    if (!sorted) below.sort((a, b) => this.records[a]!.ordinal - this.records[b]!.ordinal);
    for (const i of below) {
      const result = this.results[i]!;
      const status = result.status;
      taken[status]++;
      const row = render(this.records[i]!, result);
      if (row !== undefined) taken.rows[status].push(row);
    }
    this.records = keep.records;
    this.results = keep.results;
    return taken;
  }
}

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
    rows: (status: TaskStatus) => AsyncIterable<string[]>,
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

async function* joined(chunks: AsyncIterable<string[]>, hash: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  for await (const rows of chunks) {
    const bytes = encoder.encode(rows.join(""));
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
