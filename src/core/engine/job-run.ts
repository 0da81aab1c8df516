import type { FailureReason, Job } from "../model/job.js";
import type { Operation } from "../model/operation.js";
import type { TaskRecord } from "../manifest/records.js";
import type { PreparedManifest, RecordBatches } from "../manifest/source.js";
import type { ExecutorPorts, Task, TaskResult } from "../operations/types.js";
import type { Checkpoint } from "./checkpoint.js";
import type { ReportLayout } from "./report-layouts.js";
import { PendingRows } from "./report-writer.js";

/**
 * Where a job stands in this engine's memory (its status is in the JobService):
 * idle: nothing held; queued: Ready, waiting for a slot; starting: being moved to Active and its
 * manifest opened; running: dispatching tasks.
 */
export type RunPhase = "idle" | "queued" | "starting" | "running";

const NO_RECORDS: TaskRecord[] = [];

/** The engine's working state for one job. */
export class JobRun {
  priority: number;
  readonly creationTime: number;

  /** One decision at a time: `again` asks the running one to read the job and decide once more. */
  driving = false;
  again = false;

  phase: RunPhase = "idle";
  /** Set once no new task may start: the user cancelled, or the job is failing. */
  stop: "cancel" | "fail" | undefined;
  /** Why the job fails, once it must (threshold crossed, manifest unreadable mid-run). */
  failure: FailureReason | undefined;
  /** Set when the report could not be written, so the finishing step does not try again. */
  reportFailure: FailureReason | undefined;
  prepared: PreparedManifest | undefined;

  // ---- set when the run starts (activate)
  job!: Job;
  operation!: Operation;
  execute!: (task: Task, operation: Operation, ports: ExecutorPorts) => Promise<TaskResult>;
  ports!: ExecutorPorts;
  layout!: ReportLayout;
  /** The report row of a task, or undefined when the report's scope leaves it out. */
  render!: (record: TaskRecord, result: TaskResult) => string | undefined;
  source: RecordBatches | undefined;

  /** Records read and not yet dispatched: the current batch and the ones fetched ahead. */
  batch: TaskRecord[] = NO_RECORDS;
  at = 0;
  ahead: TaskRecord[][] = [];
  fetching = false;
  exhausted = false;
  /** How many records the manifest held, once read to its end. */
  total: number | undefined;

  readonly inFlight = new Set<number>();
  /** The ordinal after the last record dispatched. */
  nextOrdinal = 0;
  succeeded = 0;
  failed = 0;

  /** The last checkpoint written (or being written) and the finished tasks it does not cover yet. */
  cp!: Checkpoint;
  readonly pending = new PendingRows();
  sinceCheckpoint = 0;
  lastCheckpointAt = 0;
  lastProgressAt = 0;
  /** The job write in progress (checkpoint or progress), so that writes never overlap. */
  saving: Promise<void> | undefined;
  saveAgain = false;

  constructor(
    readonly id: string,
    job: Job,
  ) {
    this.priority = job.priority;
    this.creationTime = job.creationTime;
    this.job = job;
  }

  buffered(): boolean {
    return this.at < this.batch.length || this.ahead.length > 0;
  }

  /** The next record to dispatch, if one is buffered. */
  take(): TaskRecord | undefined {
    while (this.at >= this.batch.length) {
      const next = this.ahead.shift();
      if (next === undefined) return undefined;
      this.batch = next;
      this.at = 0;
    }
    return this.batch[this.at++];
  }

  /** Worth fetching the next batch now: nothing ahead and the current one half used. */
  wantsMore(): boolean {
    return !this.fetching && !this.exhausted && this.source !== undefined && this.ahead.length === 0 && this.at * 2 >= this.batch.length;
  }

  /** Records [0, position) are finished: everything below the oldest task still in flight. */
  finishedPrefix(): number {
    let min = this.nextOrdinal;
    for (const o of this.inFlight) if (o < min) min = o;
    return min;
  }

  /** Every record read and finished. */
  drained(): boolean {
    return this.inFlight.size === 0 && (this.stop !== undefined || (this.exhausted && !this.buffered()));
  }
}
