import type { FailureReason, Job } from "../model/job.js";
import type { Operation } from "../model/operation.js";
import type { TaskRecord } from "../manifest/records.js";
import type { PreparedManifest } from "../manifest/source.js";
import type { ExecutorPorts, Task, TaskResult } from "../operations/types.js";
import type { TimerHandle, WorkLease } from "../ports.js";
import type { ManifestCursor } from "./manifest-cursor.js";
import type { ReportLayout } from "./report-layouts.js";
import type { TakenRows } from "./report-writer.js";

/**
 * Where a job stands in this engine's memory (its status is in the JobService):
 * idle: nothing held; queued: Ready, waiting for a slot; starting: being moved to Active and its
 * units planned; running: claiming units and dispatching their tasks.
 */
export type RunPhase = "idle" | "queued" | "starting" | "running";

/**
 * A unit this engine holds under a lease. Its records, read and not yet recorded, sit in manifest
 * order in one array: [0, next) dispatched, [next, length) buffered; each dispatched task's result
 * goes into the same slot of `results` when it finishes. Tasks are dispatched in order, so the
 * finished prefix is a slot index that only moves forward, and a step takes the slots below it as
 * they are: no per-task set of tasks in flight, no sort, rows in manifest order by construction.
 */
export class HeldUnit {
  /** Records [start, recorded) are recorded in the lease store. */
  recorded: number;
  /** The next record to read from the manifest for this unit. */
  nextRead: number;
  /** Every record of the unit read (or the manifest ended). */
  exhausted = false;
  records: TaskRecord[] = [];
  results: (TaskResult | undefined)[] = [];
  /** The slot of the next record to dispatch. */
  next = 0;
  /** Slots [0, finishedTo) are finished. */
  finishedTo = 0;
  /** What slot 0 is in the numbering tasks carry (slot numbers shift as steps take the prefix). */
  base = 0;
  inFlight = 0;
  /** Finished tasks not yet recorded (the finished prefix and those finished past it). */
  finished = 0;
  /** The ordinal after the last record dispatched. */
  nextOrdinal: number;
  /** The lease was lost (renew or a step refused): nothing more is recorded for this unit. */
  lost = false;
  /** Finished and recorded as done. */
  done = false;

  constructor(public lease: WorkLease) {
    this.recorded = this.nextRead = this.nextOrdinal = lease.position;
    if (lease.position >= lease.end) this.exhausted = true;
  }

  buffered(): boolean {
    return this.next < this.records.length;
  }

  /** The next buffered record goes out: its task number (the caller counts it in `inFlight`). */
  take(): number {
    const record = this.records[this.next]!;
    this.nextOrdinal = record.ordinal + 1;
    this.results.push(undefined);
    return this.base + this.next++;
  }

  /** Task `seq` finished with `result`. */
  settle(seq: number, result: TaskResult): void {
    this.results[seq - this.base] = result;
    this.finished++;
    while (this.finishedTo < this.next && this.results[this.finishedTo] !== undefined) this.finishedTo++;
  }

  /** Records [start, position) are finished: everything below the oldest task still in flight. */
  finishedPrefix(): number {
    if (this.finishedTo < this.next) return this.records[this.finishedTo]!.ordinal;
    return this.exhausted && !this.buffered() ? this.lease.end : this.nextOrdinal;
  }

  /**
   * Removes the finished prefix and gives its counts and, for the statuses `render` reports, its
   * rows in manifest order: as each step covers the next range of records, the report follows
   * the manifest.
   */
  takeFinished(render: (record: TaskRecord, result: TaskResult) => string | undefined): TakenRows {
    const taken: TakenRows = { succeeded: 0, failed: 0, rows: { succeeded: [], failed: [] } };
    const n = this.finishedTo;
    for (let i = 0; i < n; i++) {
      const result = this.results[i]!;
      const status = result.status;
      taken[status]++;
      const row = render(this.records[i]!, result);
      if (row !== undefined) taken.rows[status].push(row);
    }
    this.drop(n);
    this.finished -= n;
    return taken;
  }

  /** The lease is gone: nothing of the unit is recorded or dispatched any more. Gives the counts of the finished tasks dropped. */
  clear(): { succeeded: number; failed: number } {
    const dropped = { succeeded: 0, failed: 0 };
    for (const result of this.results) if (result !== undefined) dropped[result.status]++;
    this.drop(this.records.length);
    this.finished = 0;
    return dropped;
  }

  /** Every record of the unit ran. */
  drained(): boolean {
    return this.exhausted && !this.buffered() && this.inFlight === 0;
  }

  private drop(n: number): void {
    if (n === 0) return;
    this.records.splice(0, n);
    this.results.splice(0, n);
    this.base += n;
    this.next = Math.max(0, this.next - n);
    this.finishedTo = Math.max(0, this.finishedTo - n);
  }
}

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
  execute!: (task: Task, operation: Operation, ports: ExecutorPorts) => Promise<TaskResult | void>;
  ports!: ExecutorPorts;
  layout!: ReportLayout;
  /** The report row of a task, or undefined when the report's scope leaves it out. */
  render!: (record: TaskRecord, result: TaskResult) => string | undefined;
  cursor: ManifestCursor | undefined;

  /** The units held, lowest first. */
  units: HeldUnit[] = [];
  claiming = false;
  /** The last claim found nothing: claim again only once something changes (a drive, a timer). */
  noUnits = false;
  fetching = false;
  /** A timer that drives the run again when someone else's lease expires. */
  expiryTimer: TimerHandle | undefined;
  renewTimer: TimerHandle | undefined;

  inFlight = 0;
  /** Counters recorded in the lease store (every engine's), as last read, plus this engine's steps since. */
  known = { succeeded: 0, failed: 0 };
  /** This engine's finished tasks not yet recorded. */
  unrecorded = { succeeded: 0, failed: 0 };
  sinceCheckpoint = 0;
  lastCheckpointAt = 0;
  lastProgressAt = 0;
  /** The write in progress (steps, progress), so that writes never overlap. */
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

  succeeded(): number {
    return this.known.succeeded + this.unrecorded.succeeded;
  }

  failed(): number {
    return this.known.failed + this.unrecorded.failed;
  }

  pendingSize(): number {
    let n = 0;
    for (const u of this.units) n += u.finished;
    return n;
  }

  /** The unit whose next record goes out next, if one is buffered. */
  nextUnit(): HeldUnit | undefined {
    for (const u of this.units) if (!u.lost && u.buffered()) return u;
    return undefined;
  }

  /** The unit to read records for next: the lowest one not read to its end. */
  unitToRead(): HeldUnit | undefined {
    for (const u of this.units) if (!u.lost && !u.exhausted) return u;
    return undefined;
  }

  buffered(): boolean {
    return this.nextUnit() !== undefined;
  }

  /** Records buffered over every unit. */
  bufferedCount(): number {
    let n = 0;
    for (const u of this.units) if (!u.lost) n += u.records.length - u.next;
    return n;
  }

  /** No new task may start: the job is stopping, or pausing or paused (pre-empted; see preemption.ts). */
  noNewTasks(): boolean {
    return this.stop !== undefined || this.job.status === "Pausing" || this.job.status === "Paused";
  }

  /** Nothing in flight, and nothing more to dispatch from the units held. */
  drained(): boolean {
    return this.inFlight === 0 && (this.noNewTasks() || this.units.every((u) => u.lost || u.drained()));
  }
}
