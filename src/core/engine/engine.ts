import { ManualClock, systemClock } from "../clock.js";
import { InvalidTransitionError, JobNotFoundError } from "../errors.js";
import type { JobChange, JobService } from "../jobs/job-service.js";
import type { EngineEvent } from "../jobs/transitions.js";
import { ManifestError, type TaskRecord } from "../manifest/records.js";
import { openRecords, prepareManifest, PreparationStopped } from "../manifest/source.js";
import type { FailureReason, Job } from "../model/job.js";
import type { JobStatus } from "../model/status.js";
import { executorFor } from "../operations/registry.js";
import { failed, failureOf, type TaskResult } from "../operations/types.js";
import type { Clock, FunctionInvoker, ObjectStore, TimerHandle } from "../ports.js";
import { foldActiveTime, restartActiveTime } from "./active-time.js";
import { checkReportDestination } from "./report-check.js";
import { checkpointOf, freshCheckpoint, tasksRun, type Checkpoint } from "./checkpoint.js";
import { crossesThreshold, DEFAULT_FAILURE_THRESHOLD, FAILURES, type FailureThreshold } from "./failures.js";
import { JobRun } from "./job-run.js";
import { DEFAULT_REPORT_LAYOUT, REPORT_LAYOUTS, type ReportLayout } from "./report-layouts.js";
import { countTaken, reportedStatuses, ReportWriter } from "./report-writer.js";
import { backoffDelay, DEFAULT_RETRY, isTransient, Retrier, retryingStore, type RetryOptions } from "./retries.js";

export interface EngineOptions {
  jobs: JobService;
  objects: ObjectStore;
  /** Defaults to the JobService's clock. */
  clock?: Clock;
  /** Runs invokeFunction tasks; without one they fail with FunctionInvokerNotConfigured. */
  functions?: FunctionInvoker;
  /** Tasks in flight across all jobs (default 32). */
  concurrency?: number;
  /** Tasks in flight for one job (default: `concurrency`, so a job waits behind higher priorities). */
  perJobConcurrency?: number;
  /** Default: at least 1,000 tasks run and more than 50% failed. */
  failureThreshold?: FailureThreshold;
  /** Transient store errors (5xx, throttling, timeouts) and TemporaryFailure results are retried. */
  retry?: Partial<RetryOptions>;
  /** Checkpoint (report part + job write) after this many finished tasks (default 10,000)... */
  checkpointEvery?: number;
  /** ...or this long after the last one (default 30 s). */
  checkpointIntervalMs?: number;
  /** Progress counters are written at least this often while a job runs (default 1 s). */
  progressIntervalMs?: number;
  /** Records read from the manifest at a time (default 512). */
  batchSize?: number;
  /** Report layouts by name, added to the built-in ones (LifecyclePolicy.reportLayout picks one). */
  reportLayouts?: Record<string, ReportLayout>;
  /**
   * Errors the engine cannot turn into a job outcome (a JobStore that fails, a bug). In server mode
   * they are passed here (default: console.error); runUntilIdle rejects with the first.
   */
  onError?: (error: unknown, jobId?: string) => void;
}

/** Statuses the engine has work in. Suspended waits for the user; terminal statuses are done. */
const WORK_STATUSES: readonly JobStatus[] = ["New", "Preparing", "Ready", "Active", "Pausing", "Paused", "Completing", "Cancelling", "Failing"];
const DEADLINE_STATUSES: readonly JobStatus[] = ["Suspended", "Complete", "Cancelled", "Failed"];
/** setTimeout's ceiling; longer deadlines are reached in steps. */
const MAX_TIMER_MS = 2_147_483_647;
const MISSING_VERSION: TaskResult = failed("InvalidRequest", 400, "Task failed due to missing VersionId");

/**
 * Runs jobs: reads their manifests, applies their operation to every object through the
 * ObjectStore, writes completion reports, and moves them through their lifecycle with the
 * JobService. One engine, two drivers: `start()` in a server (it reacts to JobService changes on its
 * own), `runUntilIdle()` in tests (the same code, run until nothing is left to do).
 *
 * Scheduling: the highest priority (then the oldest job) is served first at every dispatch, within
 * `concurrency` tasks overall and `perJobConcurrency` per job; a job waiting for its next records
 * keeps its slots from lower priorities. Nothing polls: tasks, manifest reads and job writes wake
 * the dispatcher when they finish.
 *
 * Guarantees across a restart (the job store survives, the engine does not): a job's checkpoint
 * says that manifest records [0, position) are finished, with their counts and report rows
 * (written as part objects under the report prefix). A new engine's `start()` picks up jobs left in
 * working statuses and resumes an Active one after its checkpoint: no report row is lost or
 * duplicated and checkpointed tasks do not run again; tasks finished after the last checkpoint do
 * run again (at least once, not exactly once). One engine per job store: jobs are not leased.
 */
export class Engine {
  private readonly jobs: JobService;
  private readonly raw: ObjectStore;
  private readonly objects: ObjectStore;
  private readonly clock: Clock;
  private readonly functions: FunctionInvoker | undefined;
  private readonly concurrency: number;
  private readonly perJob: number;
  private readonly threshold: FailureThreshold;
  private readonly retrier: Retrier;
  private readonly report: ReportWriter;
  private readonly checkpointEvery: number;
  private readonly checkpointIntervalMs: number;
  private readonly progressIntervalMs: number;
  private readonly batchSize: number;
  /** A run may hold this many finished, not yet checkpointed tasks before it stops dispatching. */
  private readonly maxPending: number;
  private readonly layouts: Record<string, ReportLayout>;
  private readonly onError: (error: unknown, jobId?: string) => void;

  private readonly runs = new Map<string, JobRun>();
  /** Runs waiting to start or running, highest priority first. */
  private queue: JobRun[] = [];
  private inFlight = 0;
  private pumping = false;
  /** Activities under way (tasks, reads, writes, decisions): runUntilIdle waits for none. */
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  /** Retry waits on a ManualClock: not busy, the deadline runUntilIdle moves the clock to. */
  private readonly sleeping = new Map<number, number>();
  private sleepSeq = 0;
  private faults: unknown[] = [];
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private halted = false;
  /** Something changed since runUntilIdle last looked. */
  private dirty = false;
  private sweepTimer: TimerHandle | undefined;
  private sweepAt: number | undefined;

  constructor(options: EngineOptions) {
    this.jobs = options.jobs;
    this.raw = options.objects;
    this.clock = options.clock ?? options.jobs.clock;
    this.functions = options.functions;
    this.concurrency = positive(options.concurrency ?? 32, "concurrency");
    this.perJob = Math.min(this.concurrency, positive(options.perJobConcurrency ?? this.concurrency, "perJobConcurrency"));
    this.threshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.retrier = new Retrier({ ...DEFAULT_RETRY, ...options.retry }, (ms) => this.sleep(ms));
    this.objects = retryingStore(this.raw, this.retrier);
    this.report = new ReportWriter(this.objects, this.raw, this.retrier);
    this.checkpointEvery = positive(options.checkpointEvery ?? 10_000, "checkpointEvery");
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 30_000;
    this.progressIntervalMs = options.progressIntervalMs ?? 1_000;
    this.batchSize = positive(options.batchSize ?? 512, "batchSize");
    this.maxPending = Math.max(4 * this.checkpointEvery, 4 * this.batchSize, 1_000);
    this.layouts = { ...REPORT_LAYOUTS, ...options.reportLayouts };
    this.onError = options.onError ?? ((e, id) => console.error(`batchplane engine${id ? ` (job ${id})` : ""}:`, e));
  }

  // ------------------------------------------------------------------ the public face

  /** Server mode: picks up unfinished jobs, then reacts to every JobService change on its own. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.halted = false;
    this.listen();
    this.track(this.resume());
  }

  /** Stops dispatching, lets in-flight tasks finish, checkpoints running jobs (they resume on the next start). */
  async stop(): Promise<void> {
    this.started = false;
    this.halted = true;
    if (this.sweepTimer !== undefined) this.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = this.sweepAt = undefined;
    await this.quiet();
    for (const run of [...this.runs.values()]) {
      if (run.phase === "running") this.checkpoint(run);
      await this.saved(run);
      // Its manifest is closed; the next start() resumes it from the job store.
      this.drop(run);
    }
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.takeFault();
  }

  /**
   * Test mode: runs every job as far as it can go and resolves when nothing is left to do (a job
   * waiting for confirmation stays Suspended). Deterministic with a ManualClock and a store that
   * answers at once. Retry backoff on a ManualClock: when only retry waits remain, the clock is
   * moved to the earliest one (never further), so tests never sleep; the JobService's far deadlines
   * (suspension timeout, retention) are not reached this way.
   */
  async runUntilIdle(): Promise<void> {
    this.listen();
    this.halted = false;
    for (;;) {
      this.dirty = false;
      this.adopt(await this.jobs.store.scan(WORK_STATUSES));
      await this.quiet();
      this.takeFault();
      if (this.dirty) continue;
      const due = this.nextWake();
      if (due === undefined) return;
      (this.clock as ManualClock).advanceTo(Math.max(this.clock.now(), due));
    }
  }

  // ------------------------------------------------------------------ reacting to changes

  private listen(): void {
    this.unsubscribe ??= this.jobs.subscribe((job, change) => this.onChange(job, change));
  }

  private onChange(job: Job, change: JobChange): void {
    this.dirty = true;
    if (this.started) this.armSweep(this.jobs.deadlineOf(job));
    const run = this.runs.get(job.id);
    if (change.type === "deleted") {
      if (run) this.drop(run);
      return;
    }
    if (!run) {
      if (this.started && (change.type === "created" || change.type === "status")) this.drive(this.runFor(job));
      return;
    }
    if (change.type === "priority" && run.priority !== job.priority) {
      // Takes effect at the next dispatch.
      run.priority = job.priority;
      this.sortQueue();
      this.pump();
    }
    if (change.type === "status") {
      if (job.status === "Cancelling" || job.status === "Cancelled") run.stop ??= "cancel";
      this.drive(run);
    }
  }

  private async resume(): Promise<void> {
    this.adopt(await this.jobs.store.scan(WORK_STATUSES));
    for (const job of await this.jobs.store.scan(DEADLINE_STATUSES)) this.armSweep(this.jobs.deadlineOf(job));
  }

  /**
   * Takes on jobs found in the store. The Ready ones are queued together before any starts, so
   * that the highest priority goes first rather than the first one read.
   */
  private adopt(jobs: readonly Job[]): void {
    const runs = jobs.map((job) => this.runFor(job));
    for (const run of runs) if (run.job.status === "Ready" && run.job.progress.total !== null) this.queueRun(run);
    this.pump();
    for (const run of runs) this.drive(run);
  }

  private runFor(job: Job): JobRun {
    let run = this.runs.get(job.id);
    if (!run) {
      run = new JobRun(job.id, job);
      this.runs.set(job.id, run);
    }
    return run;
  }

  private drop(run: JobRun): void {
    if (this.runs.get(run.id) === run) this.runs.delete(run.id);
    this.queue = this.queue.filter((r) => r !== run);
    run.phase = "idle";
    const source = run.source;
    run.source = undefined;
    if (source) void source.return(0).catch(() => undefined);
  }

  // ------------------------------------------------------------------ deciding, one status at a time

  /** Reads the job and takes the step its status calls for, again while something changed meanwhile. */
  private drive(run: JobRun): void {
    if (run.driving) {
      run.again = true;
      return;
    }
    run.driving = true;
    this.busy++;
    this.decide(run)
      .catch((e) => this.fault(e, run.id))
      .finally(() => this.done1());
  }

  private async decide(run: JobRun): Promise<void> {
    try {
      do {
        run.again = false;
        if (this.runs.get(run.id) !== run) return;
        const job = await this.jobs.get(run.id);
        if (!job) return this.drop(run);
        run.job = job;
        run.priority = job.priority;
        await this.steps[job.status](run, job);
      } while (run.again);
    } finally {
      run.driving = false;
    }
  }

  /** What each status calls for: the lifecycle as a table. */
  private readonly steps: Record<JobStatus, (run: JobRun, job: Job) => Promise<void>> = {
    New: (run) => this.advance(run, "prepare").then(() => undefined),
    Preparing: (run, job) => this.prepare(run, job),
    // Kept (not dropped) so that a confirmation arriving while this step runs is not lost.
    Suspended: async () => undefined,
    Ready: (run, job) => (job.progress.total === null ? this.prepare(run, job) : this.enqueue(run)),
    Active: (run, job) => this.active(run, job),
    Pausing: (run) => this.advance(run, "paused").then(() => undefined),
    Paused: (run) => this.advance(run, "resume").then(() => undefined),
    Completing: (run, job) => this.complete(run, job),
    Cancelling: (run, job) => this.finishStopped(run, job, "cancelled"),
    Failing: (run, job) => this.finishStopped(run, job, "failed"),
    Complete: async (run) => this.drop(run),
    Cancelled: async (run) => this.drop(run),
    Failed: async (run) => this.drop(run),
  };

  /**
   * Applies an engine event; false when the job moved on meanwhile (a user cancelled it, say), in
   * which case the run reads it again and decides anew.
   */
  private async advance(run: JobRun, event: EngineEvent, patch?: (draft: Job, now: number) => void): Promise<boolean> {
    try {
      run.job = await this.jobs.advance(run.id, event, patch);
      run.again = true;
      return true;
    } catch (e) {
      if (e instanceof InvalidTransitionError) {
        run.again = true;
        return false;
      }
      if (e instanceof JobNotFoundError) {
        this.drop(run);
        return false;
      }
      throw e;
    }
  }

  /** Preparing (or Ready without totals): read and count the manifest, then Suspended or Ready. */
  private async prepare(run: JobRun, job: Job): Promise<void> {
    if (this.halted) return;
    let prepared;
    try {
      prepared = run.prepared ?? (await prepareManifest(job, this.objects, this.clock.now(), () => run.stop !== undefined || this.halted));
    } catch (e) {
      if (e instanceof PreparationStopped) {
        run.again = !this.halted;
        return;
      }
      if (!(e instanceof ManifestError)) throw e;
      await this.advance(run, "fail", (d) => void d.failureReasons.push(FAILURES.manifest(e.code, e.reason)));
      return;
    }
    run.prepared = prepared;
    const unwritable = await checkReportDestination(job, this.objects);
    if (unwritable) {
      await this.advance(run, "fail", (d) => void d.failureReasons.push(unwritable));
      return;
    }
    const record = (d: Job) => {
      d.progress.total = prepared.total;
      d.progress.succeeded = 0;
      d.progress.failed = 0;
      d.checkpoint = freshCheckpoint(prepared.etag);
      if (prepared.generatedManifest) d.generatedManifest = prepared.generatedManifest;
    };
    if (job.status === "Preparing" && (await this.advance(run, job.confirmationRequired ? "awaitConfirmation" : "prepared", record))) return;
    // Confirmed while it was being prepared (a policy may allow it), or an engine restarted: the
    // job is Ready already; record the totals without a status change.
    await this.write(run, (d) => {
      if (d.status !== "Ready" || d.progress.total !== null) return false;
      record(d);
    });
    run.again = true;
  }

  /** Ready: wait for a slot, highest priority first. */
  private async enqueue(run: JobRun): Promise<void> {
    this.queueRun(run);
    this.pump();
  }

  private queueRun(run: JobRun): void {
    if (run.phase !== "idle") return;
    run.phase = "queued";
    this.queue.push(run);
    this.sortQueue();
  }

  /** Called by the dispatcher when a queued run gets its turn: Ready → Active, open the manifest. */
  private startRun(run: JobRun): void {
    run.phase = "starting";
    this.busy++;
    (async () => {
      if (await this.advance(run, "start")) await this.activate(run, run.job);
      else if (run.phase === "starting") run.phase = "idle";
    })()
      .catch((e) => this.fault(e, run.id))
      .finally(() => {
        this.drive(run);
        this.pump();
        this.done1();
      });
  }

  /** Sets up a run from the job's checkpoint: a fresh one, or the one a stopped engine left. */
  private async activate(run: JobRun, job: Job): Promise<void> {
    run.phase = "starting";
    const cp = checkpointOf(job);
    run.cp = cp;
    run.succeeded = cp.succeeded;
    run.failed = cp.failed;
    run.nextOrdinal = cp.position;
    run.operation = job.operation;
    run.execute = executorFor(job.operation);
    run.layout = this.layoutFor(job);
    const statuses = reportedStatuses(job, run.layout);
    const layout = run.layout;
    const reportSucceeded = statuses.includes("succeeded");
    const reportFailed = statuses.includes("failed");
    run.render = (record, result) => ((result.status === "succeeded" ? reportSucceeded : reportFailed) ? layout.row(record, result) : undefined);
    run.ports = {
      // Tasks are retried whole (see `attempt`), so executors use the store directly.
      objects: this.raw,
      functions: this.functions,
      jobId: job.id,
      retryWhile: (call, transient) => this.retrier.whileResult(call, transient),
    };
    run.lastCheckpointAt = run.lastProgressAt = this.clock.now();
    try {
      run.source = await openRecords(job, this.objects, { skip: cp.position, etag: cp.manifestEtag, batchSize: this.batchSize });
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      run.exhausted = true;
      run.stop ??= "fail";
      run.failure ??= FAILURES.manifest(e.code, e.reason);
    }
    if (this.runs.get(run.id) !== run) return this.drop(run);
    run.phase = "running";
    if (!this.queue.includes(run)) {
      this.queue.push(run);
      this.sortQueue();
    }
  }

  /** Active: a run to resume, a failure to declare, or every task done. */
  private async active(run: JobRun, job: Job): Promise<void> {
    if (run.phase === "idle" || run.phase === "queued") {
      // Active without a run here: left by an engine that stopped. Resume after its checkpoint.
      this.busy++;
      try {
        await this.write(run, (d) => restartActiveTime(d.progress, this.clock.now()));
        if (this.runs.get(run.id) !== run) return;
        await this.activate(run, run.job);
      } finally {
        this.pump();
        this.done1();
      }
      run.again = true;
      return;
    }
    if (run.phase !== "running") return;
    if (run.stop === "fail") {
      const failure = run.failure ?? FAILURES.internal("unknown");
      await this.advance(run, "fail", (d) => {
        d.failureReasons.push(failure);
        this.countersInto(d, run);
      });
      return;
    }
    if (!run.drained()) return;
    await this.saved(run);
    const cp = await this.flushParts(run);
    if (!cp) return;
    await this.advance(run, "finish", (d) => {
      d.checkpoint = cp;
      this.countersInto(d, run);
      if (run.total !== undefined) d.progress.total = run.total;
    });
  }

  /** Completing: write the report, then Complete (or Failed when the report cannot be written). */
  private async complete(run: JobRun, job: Job): Promise<void> {
    if (run.phase === "running" && !run.drained()) return;
    await this.saved(run);
    const cp = checkpointOf(job);
    const layout = this.layoutFor(job);
    const failure = await this.writeReport(job, layout, cp);
    if (failure) {
      run.reportFailure = failure;
      await this.advance(run, "fail", (d) => void d.failureReasons.push(failure));
      return;
    }
    if (await this.advance(run, "complete", (d) => countersFrom(d, cp))) await this.report.removeParts(job, layout, cp);
  }

  /** Cancelling or Failing: once in-flight tasks finish, write the report if any task ran, then the end. */
  private async finishStopped(run: JobRun, job: Job, event: "cancelled" | "failed"): Promise<void> {
    if (run.phase === "starting") return;
    run.stop ??= event === "cancelled" ? "cancel" : "fail";
    if (run.phase === "running" && run.inFlight.size > 0) return;
    await this.saved(run);
    let cp = checkpointOf(job);
    if (run.phase === "running") {
      const flushed = await this.flushParts(run);
      if (flushed) {
        cp = flushed;
        await this.write(run, (d) => void (d.checkpoint = flushed));
      } else cp = run.cp;
    }
    const layout = this.layoutFor(job);
    const failure = run.reportFailure ?? (await this.writeReport(job, layout, cp));
    const finalCp = cp;
    const ended = await this.advance(run, event, (d) => {
      countersFrom(d, finalCp);
      if (failure && !d.failureReasons.some((r) => r.code === failure!.code)) d.failureReasons.push(failure);
    });
    if (ended && !failure) await this.report.removeParts(job, layout, finalCp);
  }

  // ------------------------------------------------------------------ dispatching

  private sortQueue(): void {
    this.queue.sort((a, b) => b.priority - a.priority || a.creationTime - b.creationTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Fills free slots, highest priority first. Called whenever something finishes; never loops idle. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const run = this.pick();
        if (!run) return;
        if (run.phase === "queued") this.startRun(run);
        else this.dispatch(run);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * The run that gets the next slot. A run starting up or waiting for records keeps its share of
   * slots from the runs below it, so that a lower priority does not overtake it at a batch edge.
   */
  private pick(): JobRun | undefined {
    if (this.halted) return undefined;
    let reserved = 0;
    for (const run of this.queue) {
      if (this.inFlight + reserved >= this.concurrency) return undefined;
      if (run.stop !== undefined) continue;
      if (run.phase === "queued") return run;
      if (run.phase === "starting") {
        reserved += this.perJob;
        continue;
      }
      if (run.phase !== "running") continue;
      const room = this.perJob - run.inFlight.size;
      if (room <= 0) continue;
      if (run.pending.size >= this.maxPending) continue; // a slow task holds the checkpoint back
      if (run.buffered()) return run;
      if (run.exhausted) continue;
      if (!run.fetching) this.fetch(run);
      reserved += room;
    }
    return undefined;
  }

  private dispatch(run: JobRun): void {
    const record = run.take()!;
    if (run.wantsMore()) this.fetch(run);
    run.inFlight.add(record.ordinal);
    run.nextOrdinal = record.ordinal + 1;
    this.inFlight++;
    this.busy++;
    if (record.versionId === "") {
      // A manifest with a VersionId column gave none for this line (S3 troubleshooting guide).
      queueMicrotask(() => this.finished(run, record, MISSING_VERSION));
      return;
    }
    this.attempt(run, record, 1);
  }

  /**
   * Runs a task; a transient store error (5xx, throttling, timeout) runs the whole task again
   * after a backoff, up to the retry limit, then fails it with that error. Retrying the task rather
   * than each store call keeps the hot path free of wrappers; every executor is safe to repeat.
   */
  private attempt(run: JobRun, record: TaskRecord, n: number): void {
    let result: Promise<TaskResult>;
    try {
      result = run.execute(record, run.operation, run.ports);
    } catch (e) {
      result = Promise.reject(e);
    }
    result.then(
      (r) => this.finished(run, record, r),
      (e: unknown) => {
        const retry = this.retrier.options;
        if (!isTransient(e) || n >= retry.maxAttempts) return this.finished(run, record, failureOf(e));
        this.sleep(backoffDelay(n, retry)).then(() => this.attempt(run, record, n + 1));
      },
    );
  }

  private finished(run: JobRun, record: TaskRecord, result: TaskResult): void {
    this.inFlight--;
    run.inFlight.delete(record.ordinal);
    const ok = result.status === "succeeded";
    if (ok) run.succeeded++;
    else run.failed++;
    run.pending.add(record, result);

    if (run.stop === undefined && crossesThreshold(this.threshold, run.succeeded, run.failed)) {
      run.stop = "fail";
      run.failure = FAILURES.threshold(this.threshold, run.succeeded, run.failed);
      this.drive(run);
    }
    const now = this.clock.now();
    if (++run.sinceCheckpoint >= this.checkpointEvery || run.pending.size >= this.maxPending || now - run.lastCheckpointAt >= this.checkpointIntervalMs) {
      this.checkpoint(run);
    } else if (now - run.lastProgressAt >= this.progressIntervalMs) {
      this.saveProgress(run);
    }
    if (run.drained()) this.drive(run);
    this.pump();
    this.done1();
  }

  private fetch(run: JobRun): void {
    const source = run.source;
    if (!source) return;
    run.fetching = true;
    this.busy++;
    source
      .next()
      .then(
        (r) => {
          if (r.done) {
            run.exhausted = true;
            run.total = r.value;
          } else run.ahead.push(r.value);
        },
        (e: unknown) => {
          run.exhausted = true;
          run.stop ??= "fail";
          run.failure ??= e instanceof ManifestError ? FAILURES.manifest(e.code, e.reason) : FAILURES.internal(String(e));
        },
      )
      .finally(() => {
        run.fetching = false;
        if (run.drained() || run.stop === "fail") this.drive(run);
        this.pump();
        this.done1();
      });
  }

  // ------------------------------------------------------------------ checkpoints and reports

  /** Writes the report parts of the finished prefix and the job's checkpoint and counters. */
  private checkpoint(run: JobRun): void {
    if (run.saving) {
      run.saveAgain = true;
      return;
    }
    run.sinceCheckpoint = 0;
    run.lastCheckpointAt = run.lastProgressAt = this.clock.now();
    this.save(run, async () => {
      const cp = await this.flushParts(run);
      if (!cp) return;
      await this.write(run, (d) => {
        d.checkpoint = cp;
        this.countersInto(d, run);
      });
    });
  }

  private saveProgress(run: JobRun): void {
    if (run.saving) return;
    run.lastProgressAt = this.clock.now();
    this.save(run, () => this.write(run, (d) => this.countersInto(d, run)));
  }

  private save(run: JobRun, work: () => Promise<void>): void {
    this.busy++;
    run.saving = work()
      .catch((e) => this.fault(e, run.id))
      .finally(() => {
        run.saving = undefined;
        if (run.saveAgain) {
          run.saveAgain = false;
          this.checkpoint(run);
        }
        this.pump();
        this.done1();
      });
  }

  private async saved(run: JobRun): Promise<void> {
    while (run.saving) await run.saving;
  }

  /**
   * Writes the rows of the finished prefix as the next report part; the checkpoint covering them,
   * or undefined when the part could not be written (the job then fails: its report cannot be).
   */
  private async flushParts(run: JobRun): Promise<Checkpoint | undefined> {
    const position = run.finishedPrefix();
    const taken = run.pending.takeBelow(position, run.render);
    const counted = countTaken(run.cp, taken, position);
    // Once the report has failed its rows are dropped, but the tasks still count.
    if (run.reportFailure) return (run.cp = counted);
    try {
      run.cp = await this.report.writePart(run.job, run.layout, counted, taken);
      return run.cp;
    } catch (e) {
      run.cp = counted;
      run.reportFailure ??= FAILURES.report(describe(e));
      run.stop ??= "fail";
      run.failure ??= run.reportFailure;
      this.drive(run);
      return undefined;
    }
  }

  private async writeReport(job: Job, layout: ReportLayout, cp: Checkpoint): Promise<FailureReason | undefined> {
    // A report is written when the job ends in any way, provided at least one task ran.
    if (tasksRun(cp) === 0 || reportedStatuses(job, layout).length === 0) return undefined;
    try {
      await this.report.writeReport(job, layout, cp, this.clock.now());
      return undefined;
    } catch (e) {
      return FAILURES.report(describe(e));
    }
  }

  private layoutFor(job: Job): ReportLayout {
    const name = this.jobs.policyFor(job.tenant.dialect).reportLayout;
    return (name === undefined ? undefined : this.layouts[name]) ?? DEFAULT_REPORT_LAYOUT;
  }

  private countersInto(d: Job, run: JobRun): void {
    d.progress.succeeded = run.succeeded;
    d.progress.failed = run.failed;
    foldActiveTime(d.progress, this.clock.now());
  }

  /** A job write that tolerates the job having disappeared (then the run is dropped). */
  private async write(run: JobRun, mutation: (draft: Job) => void | false): Promise<void> {
    try {
      run.job = await this.jobs.update(run.id, mutation);
    } catch (e) {
      if (!(e instanceof JobNotFoundError)) throw e;
      this.drop(run);
    }
  }

  // ------------------------------------------------------------------ time: retries and deadlines

  /** A retry's backoff. On a ManualClock the wait is not "busy": runUntilIdle moves the clock to it. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.clock === systemClock) {
        // A real timer that keeps the process alive (systemClock's are unref'd, for far deadlines).
        setTimeout(resolve, ms);
        return;
      }
      if (!isManual(this.clock)) {
        this.clock.setTimeout(resolve, ms);
        return;
      }
      const id = ++this.sleepSeq;
      this.sleeping.set(id, this.clock.now() + ms);
      this.clock.setTimeout(() => {
        this.sleeping.delete(id);
        this.busy++;
        resolve();
      }, ms);
      this.done1();
    });
  }

  private nextWake(): number | undefined {
    if (!isManual(this.clock)) return undefined;
    let next: number | undefined;
    for (const at of this.sleeping.values()) if (next === undefined || at < next) next = at;
    return next;
  }

  /** Server mode: the JobService's time rules (suspension timeout, retention) also apply when nobody reads. */
  private armSweep(at: number | undefined): void {
    if (at === undefined || !this.started) return;
    if (this.sweepAt !== undefined && this.sweepAt <= at) return;
    if (this.sweepTimer !== undefined) this.clock.clearTimeout(this.sweepTimer);
    this.sweepAt = at;
    this.sweepTimer = this.clock.setTimeout(() => this.onSweepTimer(at), Math.min(MAX_TIMER_MS, Math.max(0, at - this.clock.now())));
  }

  private onSweepTimer(at: number): void {
    this.sweepTimer = this.sweepAt = undefined;
    if (!this.started) return;
    if (this.clock.now() < at) return this.armSweep(at);
    this.track(
      (async () => {
        await this.jobs.sweep();
        for (const job of await this.jobs.store.scan(DEADLINE_STATUSES)) this.armSweep(this.jobs.deadlineOf(job));
      })(),
    );
  }

  // ------------------------------------------------------------------ being idle

  private track(work: Promise<unknown>): void {
    this.busy++;
    work.catch((e) => this.fault(e)).finally(() => this.done1());
  }

  /** One activity ended. */
  private done1(): void {
    if (--this.busy > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async quiet(): Promise<void> {
    while (this.busy > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private fault(error: unknown, jobId?: string): void {
    this.faults.push(error);
    if (this.started) this.onError(error, jobId);
  }

  private takeFault(): void {
    const first = this.faults[0];
    this.faults = [];
    if (first !== undefined) throw first;
  }
}

function countersFrom(d: Job, cp: Checkpoint): void {
  d.progress.succeeded = cp.succeeded;
  d.progress.failed = cp.failed;
}

function isManual(clock: Clock): clock is ManualClock {
  return clock instanceof ManualClock || typeof (clock as Partial<ManualClock>).advanceTo === "function";
}

function positive(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  return n;
}

function describe(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  if (typeof err?.code === "string") return `${err.code}: ${String(err.message ?? "")}`;
  return e instanceof Error ? e.message : String(e);
}
