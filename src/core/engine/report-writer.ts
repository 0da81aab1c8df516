import { createHash } from "node:crypto";
import type { Job } from "../model/job.js";
import type { ObjectStore } from "../ports.js";
import type { Checkpoint } from "./checkpoint.js";
import type { TaskRecord } from "../manifest/records.js";
import type { TaskResult } from "../operations/types.js";
import type { Retrier } from "./retries.js";
import type { ReportLayout, ResultsFile, TaskStatus } from "./report-layouts.js";

/**
 * Finished tasks not yet covered by a checkpoint, in the order they finished. Tasks finish out of
 * order, so a checkpoint takes only those below the finished prefix and keeps the rest. Rows are
 * rendered when taken, not when the task finishes: a pending task holds its record and result
 * only, which keeps what lives until the next checkpoint small.
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
   * reports, their rows in manifest order: as each part covers the next range of records, the
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

/** Writes report parts while a job runs and joins them into the report when it ends. */
export class ReportWriter {
  constructor(
    /** Retrying store for whole-body writes. */
    private readonly objects: ObjectStore,
    /** The store itself, for streamed writes that are retried here by rebuilding the stream. */
    private readonly raw: ObjectStore,
    private readonly retrier: Retrier,
  ) {}

  /**
   * Writes part `cp.parts` for each reported status and returns the checkpoint that covers them
   * (`counted`: the checkpoint with the taken tasks counted, from `countTaken`). Nothing is written
   * when no row is due; the caller persists the checkpoint.
   */
  async writePart(job: Job, layout: ReportLayout, counted: Checkpoint, taken: TakenRows): Promise<Checkpoint> {
    const statuses = reportedStatuses(job, layout);
    if (statuses.every((s) => taken.rows[s].length === 0)) return counted;
    const bucket = job.report.bucket!;
    const seq = counted.parts;
    // Every reported status gets a part at each seq (empty or not), so the parts need no index.
    await Promise.all(
      statuses.map((s) => this.objects.put({ bucket, key: layout.partKey(job, seq, s), body: taken.rows[s].join(""), contentType: "text/csv" })),
    );
    const next: Checkpoint = { ...counted, parts: seq + 1, reported: { ...counted.reported } };
    for (const s of statuses) next.reported[s] += taken.rows[s].length;
    return next;
  }

  /**
   * Joins the parts into one results file per status (streamed, MD5 computed on the way) and
   * writes manifest.json. A status without rows gets no file.
   */
  async writeReport(job: Job, layout: ReportLayout, cp: Checkpoint, now: number): Promise<void> {
    const bucket = job.report.bucket!;
    const files: ResultsFile[] = [];
    for (const status of reportedStatuses(job, layout)) {
      if (cp.reported[status] === 0) continue;
      const key = layout.resultsKey(job, status);
      let md5 = "";
      await this.retrier.run(async () => {
        const hash = createHash("md5");
        await this.raw.put({ bucket, key, body: this.joined(job, layout, cp.parts, status, hash), contentType: "text/csv" });
        md5 = hash.digest("hex");
      });
      files.push({ status, bucket, key, md5 });
    }
    await this.objects.put({ bucket, key: layout.manifestKey(job), body: layout.manifestBody(job, files, now), contentType: "application/json" });
  }

  /** Removes the parts once the report is written (best effort: a leftover part harms nothing). */
  async removeParts(job: Job, layout: ReportLayout, cp: Checkpoint): Promise<void> {
    const bucket = job.report.bucket!;
    for (const status of reportedStatuses(job, layout)) {
      for (let seq = 0; seq < cp.parts; seq++) {
        await this.raw.delete({ bucket, key: layout.partKey(job, seq, status) }).catch(() => undefined);
      }
    }
  }

  private async *joined(job: Job, layout: ReportLayout, parts: number, status: TaskStatus, hash: ReturnType<typeof createHash>) {
    const bucket = job.report.bucket!;
    for (let seq = 0; seq < parts; seq++) {
      const { body } = await this.objects.get({ bucket, key: layout.partKey(job, seq, status) });
      for await (const chunk of body) {
        hash.update(chunk);
        yield chunk;
      }
    }
  }
}

/** The checkpoint once the taken tasks, records [.., position), are counted (their part not yet written). */
export function countTaken(cp: Checkpoint, taken: TakenRows, position: number): Checkpoint {
  return { ...cp, position, succeeded: cp.succeeded + taken.succeeded, failed: cp.failed + taken.failed };
}

/** The statuses whose rows a job's report keeps; none when the report is off. */
export function reportedStatuses(job: Job, layout: ReportLayout): readonly TaskStatus[] {
  if (!job.report.enabled || job.report.bucket === undefined) return [];
  return layout.statuses(job.report.scope ?? "AllTasks");
}
