import type { JobChange, JobService } from "../jobs/job-service.js";
import { defaultWorkLeases } from "../leases/memory-work-leases.js";
import type { Job } from "../model/job.js";
import { isTerminal, type JobStatus } from "../model/status.js";
import type { Clock, FunctionInvoker, ObjectStore, TimerHandle, WorkLeaseStore } from "../ports.js";
import { Activity, persist } from "./activity.js";
import type { EngineContext } from "./context.js";
import { DEFAULT_FAILURE_THRESHOLD, type FailureThreshold } from "./failures.js";
import { jobOfEntry, JobSteps } from "./job-steps.js";
import { JobRun } from "./job-run.js";
import { DEFAULT_REPORT_LAYOUT, REPORT_LAYOUTS, type ReportLayout } from "./report-layouts.js";
import { ReportWriter } from "./report-writer.js";
import { DEFAULT_RETRY, Retrier, retryingStore, type RetryOptions } from "./retries.js";
import { ReportBucketSpill } from "./row-spill.js";
import { Scheduler } from "./scheduler.js";
import { UnitRunner } from "./unit-runner.js";

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
  /** Record a step (counters and report rows of finished tasks, in the lease store) after this many finished tasks (default 10,000)... */
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
   * Where jobs' units, leases, progress and report rows live (see WorkLeaseStore). Default: in
   * memory, one per JobStore object (engines over the same job store share it). Give a durable one
   * (FsWorkLeases next to an FsJobStore, a database's) for work that survives the process.
   */
  leases?: WorkLeaseStore;
  /**
   * Who this engine is to the lease store. An engine starting under an owner id takes over at once
   * the leases an earlier life of that id left; engines alive at the same time over one lease store
   * must have different ids. Default: "local", or a fresh id over a lease store that says it is
   * shared between processes (`WorkLeaseStore.shared`).
   */
  owner?: string;
  /** How long a claimed unit stays this engine's without a renewal (default 30 s); renewed every third of it. */
  leaseMs?: number;
  /** Manifest records a unit (default 1,000). */
  unitSize?: number;
  /** Units claimed at a time (default 1; the next is claimed while the last one's tasks finish). */
  unitsPerClaim?: number;
  /**
   * Server mode: how often the job store is scanned again for work (default 10 s), the safety net
   * behind change notices from other processes.
   */
  rescanIntervalMs?: number;
  /**
   * Errors the engine cannot turn into a job outcome (a bug), and each failed attempt of a job or
   * lease store write it retries. In server mode they are passed here (default: console.error);
   * runUntilIdle rejects with the first bug.
   */
  onError?: (error: unknown, jobId?: string) => void;
}

/** Statuses the engine has work in. Suspended waits for the user; terminal statuses are done. */
const WORK_STATUSES: readonly JobStatus[] = ["New", "Preparing", "Ready", "Active", "Pausing", "Paused", "Completing", "Cancelling", "Failing"];
const DEADLINE_STATUSES: readonly JobStatus[] = ["Suspended", "Complete", "Cancelled", "Failed"];
/** setTimeout's ceiling; longer deadlines are reached in steps. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Runs jobs: reads their manifests, applies their operation to every object through the
 * ObjectStore, writes completion reports, and moves them through their lifecycle with the
 * JobService. One engine, two drivers: `start()` in a server (it reacts to JobService changes on its
 * own), `runUntilIdle()` in tests (the same code, run until nothing is left to do).
 *
 * The parts: the Scheduler (scheduler.ts) gives task slots by priority; the UnitRunner
 * (unit-runner.ts) claims a job's units from the work-lease store, runs their tasks and records
 * their steps; JobSteps (job-steps.ts) takes each status's step. One code path runs a job on one
 * engine or on many sharing a lease store.
 *
 * Guarantees across a restart (the job and lease stores survive, the engine does not): a unit's
 * recorded steps hold its finished records' counts and report rows. A new engine's `start()` picks
 * up jobs left in working statuses and resumes each unfinished unit after its last step: no report
 * row is lost or duplicated and recorded tasks do not run again; tasks finished after the last
 * step do run again (at least once, not exactly once). Across live engines, a unit is worked on by
 * its lease holder only; one that loses its lease stops working on it.
 */
export class Engine implements EngineContext {
  readonly jobs: JobService;
  readonly leases: WorkLeaseStore;
  readonly raw: ObjectStore;
  readonly objects: ObjectStore;
  readonly clock: Clock;
  readonly functions: FunctionInvoker | undefined;
  readonly owner: string;
  readonly leaseMs: number;
  readonly unitSize: number;
  readonly claimBatch: number;
  readonly concurrency: number;
  readonly perJob: number;
  readonly threshold: FailureThreshold;
  readonly retrier: Retrier;
  readonly report: ReportWriter;
  readonly checkpointEvery: number;
  readonly checkpointIntervalMs: number;
  readonly progressIntervalMs: number;
  readonly batchSize: number;
  readonly maxPending: number;
  readonly activity: Activity;
  readonly runs = new Map<string, JobRun>();
  private readonly rescanIntervalMs: number;
  private readonly layouts: Record<string, ReportLayout>;
  private readonly onError: (error: unknown, jobId?: string) => void;
  private readonly scheduler: Scheduler;
  private readonly unitRunner: UnitRunner;
  private readonly steps: JobSteps;

  private faults: unknown[] = [];
  private unsubscribe: (() => void) | undefined;
  private started = false;
  private stopping = false;
  /** The leases an earlier life of this owner id left are released once, before the first claim. */
  private takenOver: Promise<void> | undefined;
  /** Something changed since runUntilIdle last looked. */
  private dirty = false;
  private sweepTimer: TimerHandle | undefined;
  private sweepAt: number | undefined;
  private rescanTimer: TimerHandle | undefined;

  constructor(options: EngineOptions) {
    this.jobs = options.jobs;
    this.raw = options.objects;
    this.clock = options.clock ?? options.jobs.clock;
    this.functions = options.functions;
    this.leaseMs = positive(options.leaseMs ?? 30_000, "leaseMs");
    this.unitSize = positive(options.unitSize ?? 1_000, "unitSize");
    this.claimBatch = positive(options.unitsPerClaim ?? 1, "unitsPerClaim");
    this.concurrency = positive(options.concurrency ?? 32, "concurrency");
    this.perJob = Math.min(this.concurrency, positive(options.perJobConcurrency ?? this.concurrency, "perJobConcurrency"));
    this.threshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.activity = new Activity(this.clock);
    this.retrier = new Retrier({ ...DEFAULT_RETRY, ...options.retry }, (ms) => this.activity.sleep(ms));
    this.objects = retryingStore(this.raw, this.retrier);
    // The default keeps report rows in memory up to a budget, then beside the report (row-spill.ts).
    this.leases = options.leases ?? defaultWorkLeases(options.jobs.store, new ReportBucketSpill(this.objects, this.jobs));
    this.owner = options.owner ?? (this.leases.shared ? `engine-${options.jobs.ids.uuid()}` : "local");
    this.report = new ReportWriter(this.objects, this.raw, this.retrier);
    this.checkpointEvery = positive(options.checkpointEvery ?? 10_000, "checkpointEvery");
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 30_000;
    this.progressIntervalMs = options.progressIntervalMs ?? 1_000;
    this.batchSize = positive(options.batchSize ?? 512, "batchSize");
    this.maxPending = Math.max(4 * this.checkpointEvery, 4 * this.batchSize, 1_000);
    this.rescanIntervalMs = positive(options.rescanIntervalMs ?? 10_000, "rescanIntervalMs");
    this.layouts = { ...REPORT_LAYOUTS, ...options.reportLayouts };
    this.onError = options.onError ?? ((e, id) => console.error(`batchplane engine${id ? ` (job ${id})` : ""}:`, e));
    this.scheduler = new Scheduler(this, {
      start: (run) => this.steps.startRun(run),
      dispatch: (run) => this.unitRunner.dispatch(run),
      fetch: (run) => this.unitRunner.fetch(run),
      claim: (run) => this.unitRunner.claim(run),
    });
    this.unitRunner = new UnitRunner(this, this.scheduler);
    this.steps = new JobSteps(this, this.scheduler, this.unitRunner);
  }

  // ------------------------------------------------------------------ the public face

  /** Server mode: picks up unfinished jobs, then reacts to every JobService change on its own. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.listen();
    this.activity.track(this.resume(), (e) => this.fault(e));
  }

  /** Stops dispatching, lets in-flight tasks finish, records their steps and gives the units back (they resume on the next start). */
  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    for (const t of [this.sweepTimer, this.rescanTimer]) if (t !== undefined) this.clock.clearTimeout(t);
    this.sweepTimer = this.sweepAt = this.rescanTimer = undefined;
    await this.activity.quiet();
    for (const run of [...this.runs.values()]) {
      try {
        if (run.phase === "running") await this.unitRunner.park(run);
        else await this.unitRunner.saved(run);
      } catch (e) {
        this.fault(e, run.id);
      }
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
   * answers at once. When only retry waits remain, a clock that can be moved (a ManualClock) is
   * moved to the earliest one (never further), so tests never sleep; any other clock is waited for.
   * The JobService's far deadlines (suspension timeout, retention) are not reached this way.
   */
  async runUntilIdle(): Promise<void> {
    this.listen();
    this.stopping = false;
    for (;;) {
      this.dirty = false;
      this.activity.track(
        (async () => {
          await this.takeOver();
          this.adopt(await this.persist(() => this.jobs.store.scan(WORK_STATUSES)));
        })(),
        (e) => this.fault(e),
      );
      await this.activity.quiet();
      this.takeFault();
      if (this.dirty) continue;
      const due = this.activity.nextWait();
      if (due === undefined) return;
      const movable = this.clock as Partial<{ advanceTo(at: number): void }>;
      if (typeof movable.advanceTo === "function") movable.advanceTo(Math.max(this.clock.now(), due));
      else await this.activity.woken();
    }
  }

  // ------------------------------------------------------------------ the hub the parts share

  halted(): boolean {
    return this.stopping;
  }

  persist<T>(call: () => Promise<T>, jobId?: string): Promise<T> {
    return persist(
      call,
      this.activity,
      (e) => this.started && this.onError(e, jobId),
      () => this.stopping,
    );
  }

  drive(run: JobRun): void {
    this.steps.drive(run);
  }

  pump(): void {
    this.scheduler.pump();
  }

  drop(run: JobRun): void {
    if (this.runs.get(run.id) === run) this.runs.delete(run.id);
    this.scheduler.remove(run);
    run.phase = "idle";
    this.unitRunner.clearRenew(run);
    run.cursor?.close();
    run.cursor = undefined;
  }

  layoutFor(job: Job): ReportLayout {
    const name = this.jobs.policyFor(job.tenant.dialect).reportLayout;
    return (name === undefined ? undefined : this.layouts[name]) ?? DEFAULT_REPORT_LAYOUT;
  }

  fault(error: unknown, jobId?: string): void {
    this.faults.push(error);
    if (this.started) this.onError(error, jobId);
  }

  // ------------------------------------------------------------------ reacting to changes

  private listen(): void {
    this.unsubscribe ??= this.jobs.subscribe((job, change) => this.onChange(job, change));
  }

  /**
   * A change of a job, made here or (through the job store's change feed) by another process.
   * Status changes and updates whose status or priority differ from what this engine knows make
   * it decide again; its own progress writes change neither.
   */
  private onChange(job: Job, change: JobChange): void {
    this.dirty = true;
    if (this.started) this.armSweep(this.jobs.deadlineOf(job));
    const run = this.runs.get(job.id);
    if (change.type === "deleted") {
      if (run) this.drop(run);
      return;
    }
    if (!run) {
      const fresh = change.type === "created" || change.type === "status" || (change.type === "updated" && WORK_STATUSES.includes(job.status));
      if (this.started && fresh) this.drive(this.runFor(job));
      return;
    }
    if (run.priority !== job.priority) {
      // Takes effect at the next dispatch.
      run.priority = job.priority;
      this.scheduler.sort();
      this.pump();
    }
    if (change.type === "status" || (change.type === "updated" && job.status !== run.job.status)) {
      if (job.status === "Cancelling" || job.status === "Cancelled") run.stop ??= "cancel";
      this.drive(run);
    }
  }

  private async resume(): Promise<void> {
    await this.takeOver();
    this.adopt(await this.persist(() => this.jobs.store.scan(WORK_STATUSES)));
    for (const job of await this.persist(() => this.jobs.store.scan(DEADLINE_STATUSES))) this.armSweep(this.jobs.deadlineOf(job));
    await this.cleanUp();
    this.armRescan();
  }

  /** Once per engine: the leases an earlier life of this owner id left are this engine's to take over. */
  private takeOver(): Promise<void> {
    this.takenOver ??= this.persist(() => this.leases.releaseOwner(this.owner)).then(() => undefined);
    return this.takenOver;
  }

  /** Drops the units and rows of jobs that ended (or vanished) before their engine could drop them. */
  private async cleanUp(): Promise<void> {
    for (const id of await this.persist(() => this.leases.jobs())) {
      const job = await this.persist(() => this.jobs.get(jobOfEntry(id)));
      if (!job || isTerminal(job.status)) await this.persist(() => this.leases.drop(id));
    }
  }

  /** Server mode: scans the job store again now and then, for what no change notice said. */
  private armRescan(): void {
    if (!this.started || this.rescanTimer !== undefined) return;
    this.rescanTimer = this.clock.setTimeout(() => {
      this.rescanTimer = undefined;
      if (!this.started) return;
      this.activity.track(
        (async () => {
          this.adopt(await this.persist(() => this.jobs.store.scan(WORK_STATUSES)));
        })().finally(() => this.armRescan()),
        (e) => this.fault(e),
      );
    }, this.rescanIntervalMs);
  }

  /**
   * Takes on jobs found in the store. The Ready ones are queued together before any starts, so
   * that the highest priority goes first rather than the first one read.
   */
  private adopt(jobs: readonly Job[]): void {
    const runs = jobs.map((job) => this.runFor(job));
    for (const run of runs) if (run.job.status === "Ready" && run.job.progress.total !== null) this.scheduler.enqueue(run);
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

  // ------------------------------------------------------------------ deadlines

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
    this.activity.track(
      (async () => {
        await this.persist(() => this.jobs.sweep());
        for (const job of await this.persist(() => this.jobs.store.scan(DEADLINE_STATUSES))) this.armSweep(this.jobs.deadlineOf(job));
      })(),
      (e) => this.fault(e),
    );
  }

  private takeFault(): void {
    const first = this.faults[0];
    this.faults = [];
    if (first !== undefined) throw first;
  }
}

function positive(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${n}`);
  return n;
}
