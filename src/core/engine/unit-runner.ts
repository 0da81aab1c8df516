import { foldActiveTime } from "./active-time.js";
import { JobNotFoundError } from "../errors.js";
import { ManifestError, type TaskRecord } from "../manifest/records.js";
import { openRecords, prepareManifest } from "../manifest/source.js";
import type { Job } from "../model/job.js";
import { executorFor } from "../operations/registry.js";
import { failed, failureOf, SUCCEEDED, type TaskResult } from "../operations/types.js";
import type { WorkSummary, WorkUnitRange } from "../ports.js";
import { checkpointFrom, checkpointOf, freshCheckpoint } from "./checkpoint.js";
import type { EngineContext } from "./context.js";
import { crossesThreshold, FAILURES } from "./failures.js";
import { HeldUnit, type JobRun } from "./job-run.js";
import { ManifestCursor } from "./manifest-cursor.js";
import { withObjectRule } from "./object-rules.js";
import { reportedStatuses, stepOf } from "./report-writer.js";
import { backoffDelay, isTransient } from "./retries.js";
import type { Scheduler } from "./scheduler.js";

const MISSING_VERSION: TaskResult = failed("InvalidRequest", 400, "Task failed due to missing VersionId");

/** A job's records [0, total) as units of `size` records. */
export function planUnits(total: number, size: number): WorkUnitRange[] {
  const units: WorkUnitRange[] = [];
  for (let start = 0; start < total; start += size) units.push({ start, end: Math.min(total, start + size) });
  return units;
}

/**
 * Unit execution: claims a job's units from the work-lease store, reads their records, runs their
 * tasks, records their progress (a step: counters and report rows, atomically, at each
 * checkpoint) and finishes them, renewing the leases meanwhile. A unit whose lease is lost (a renew
 * refused, a step refused) is given up at once: no new task of it starts and nothing more of it is
 * recorded; whoever holds it now resumes it from its last recorded step.
 */
export class UnitRunner {
  /** Slots of tasks that finished, for the next tasks (a task allocates no closures of its own). */
  private readonly free: TaskSlot[] = [];
  private pumpQueued = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly scheduler: Scheduler,
  ) {}

  /** Sets up a run of an Active job: its operation, its report rows, its plan of units, its manifest. */
  async activate(run: JobRun, job: Job): Promise<void> {
    const ctx = this.ctx;
    run.phase = "starting";
    run.operation = job.operation;
    run.execute = withObjectRule(executorFor(job.operation), ctx.jobs.policyFor(job.tenant.dialect), job.operation);
    run.layout = ctx.layoutFor(job);
    const statuses = reportedStatuses(job, run.layout);
    const layout = run.layout;
    const reportSucceeded = statuses.includes("succeeded");
    const reportFailed = statuses.includes("failed");
    run.render = (record, result) => ((result.status === "succeeded" ? reportSucceeded : reportFailed) ? layout.row(record, result) : undefined);
    run.ports = {
      // Tasks are retried whole (see `attempt`), so executors use the store directly.
      objects: ctx.raw,
      functions: ctx.functions,
      jobId: job.id,
      retryWhile: (call, transient) => ctx.retrier.whileResult(call, transient),
    };
    run.lastCheckpointAt = run.lastProgressAt = ctx.clock.now();
    const etag = checkpointOf(job).manifestEtag;
    run.cursor?.close();
    run.cursor = new ManifestCursor((skip) => openRecords(job, ctx.objects, { skip, etag, batchSize: ctx.batchSize }));
    const total = await this.totalOf(run, job);
    // Planned once: a later plan (another engine, a restart) leaves the first one in place.
    await ctx.persist(() => ctx.leases.plan(job.id, planUnits(total, ctx.unitSize)), job.id);
    const summary = await ctx.persist(() => ctx.leases.summary(job.id, ctx.clock.now()), job.id);
    if (summary) run.known = { succeeded: summary.succeeded, failed: summary.failed };
    if (ctx.runs.get(run.id) !== run) return ctx.drop(run);
    run.phase = "running";
    run.noUnits = false;
    this.scheduler.add(run);
  }

  /**
   * The job's record count. A job made Active without being prepared (its events applied by hand)
   * has none: its manifest is counted now, and the total written with the pinned ETag.
   */
  private async totalOf(run: JobRun, job: Job): Promise<number> {
    if (job.progress.total !== null) return job.progress.total;
    const ctx = this.ctx;
    let prepared;
    try {
      prepared = run.prepared ?? (await prepareManifest(job, ctx.objects, ctx.clock.now()));
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      run.stop ??= "fail";
      run.failure ??= FAILURES.manifest(e.code, e.reason);
      return 0;
    }
    run.prepared = prepared;
    run.job = await ctx.persist(
      () =>
        ctx.jobs.update(job.id, (d) => {
          if (d.progress.total !== null) return false;
          d.progress.total = prepared.total;
          d.checkpoint = freshCheckpoint(prepared.etag);
          if (prepared.generatedManifest) d.generatedManifest = prepared.generatedManifest;
        }),
      job.id,
    );
    run.cursor = new ManifestCursor((skip) => openRecords(run.job, ctx.objects, { skip, etag: prepared.etag, batchSize: ctx.batchSize }));
    return run.job.progress.total ?? prepared.total;
  }

  // ------------------------------------------------------------------ claiming and reading

  claim(run: JobRun): void {
    const ctx = this.ctx;
    run.claiming = true;
    ctx.activity.begin();
    (async () => {
      const leases = await ctx.persist(
        () => ctx.leases.claim(run.id, { owner: ctx.owner, limit: ctx.claimBatch, leaseMs: ctx.leaseMs, now: ctx.clock.now() }),
        run.id,
      );
      if (ctx.runs.get(run.id) !== run || run.noNewTasks() || ctx.halted()) {
        for (const lease of leases) await ctx.persist(() => ctx.leases.release(lease, ctx.clock.now()), run.id);
        return;
      }
      for (const lease of leases) run.units.push(new HeldUnit(lease));
      run.units.sort((a, b) => a.lease.unit - b.lease.unit);
      if (leases.length > 0) return this.armRenew(run);
      run.noUnits = true;
      // Units still held here: claiming again waits until one of them is finished.
      if (run.units.length > 0) return;
      const summary = await ctx.persist(() => ctx.leases.summary(run.id, ctx.clock.now()), run.id);
      if (!summary || summary.done === summary.units) ctx.drive(run);
      else if (summary.nextExpiry !== undefined) this.claimAgainAt(run, summary.nextExpiry);
    })()
      .catch((e) => ctx.fault(e, run.id))
      .finally(() => {
        run.claiming = false;
        ctx.pump();
        ctx.activity.end();
      });
  }

  /** Someone else's lease runs out at `at`: claim again then (a wait runUntilIdle moves the clock to). */
  private claimAgainAt(run: JobRun, at: number): void {
    const ctx = this.ctx;
    ctx.activity.begin();
    void ctx.activity.sleep(Math.max(0, at - ctx.clock.now())).then(() => {
      run.noUnits = false;
      ctx.pump();
      ctx.activity.end();
    });
  }

  fetch(run: JobRun): void {
    const unit = run.unitToRead();
    const cursor = run.cursor;
    if (!unit || !cursor) return;
    const ctx = this.ctx;
    run.fetching = true;
    ctx.activity.begin();
    cursor
      .read(unit.nextRead, unit.lease.end, ctx.batchSize)
      .then(
        (records) => {
          if (unit.lost) return;
          if (records.length === 0) {
            // The manifest ended before the unit did (a listing that shrank): nothing more to run.
            unit.exhausted = true;
            return;
          }
          for (const r of records) unit.records.push(r);
          unit.nextRead = records[records.length - 1]!.ordinal + 1;
          if (unit.nextRead >= unit.lease.end) unit.exhausted = true;
        },
        (e: unknown) => {
          unit.exhausted = true;
          run.stop ??= "fail";
          run.failure ??= e instanceof ManifestError ? FAILURES.manifest(e.code, e.reason) : FAILURES.internal(String(e));
        },
      )
      .finally(() => {
        run.fetching = false;
        if (unit.drained() && !unit.lost) this.checkpoint(run);
        if (run.drained() || run.stop === "fail") ctx.drive(run);
        ctx.pump();
        ctx.activity.end();
      });
  }

  // ------------------------------------------------------------------ running tasks

  dispatch(run: JobRun): void {
    const unit = run.nextUnit()!;
    if (this.expired(unit)) return this.lose(run, unit);
    const record = unit.records[unit.next]!;
    const seq = unit.take();
    unit.inFlight++;
    if (!run.fetching && run.bufferedCount() * 2 < this.ctx.batchSize && run.unitToRead()) this.fetch(run);
    run.inFlight++;
    this.scheduler.inFlight++;
    this.ctx.activity.begin();
    const slot = this.free.pop() ?? new TaskSlot(this);
    slot.run = run;
    slot.unit = unit;
    slot.record = record;
    slot.seq = seq;
    slot.attempts = 1;
    if (record.versionId === "") {
      // A manifest with a VersionId column gave none for this line (S3 troubleshooting guide).
      queueMicrotask(() => this.finished(slot, MISSING_VERSION));
      return;
    }
    this.attempt(slot);
  }

  /**
   * Runs a task; a transient store error (5xx, throttling, timeout) runs the whole task again
   * after a backoff, up to the retry limit, then fails it with that error. Retrying the task rather
   * than each store call keeps the hot path free of wrappers; every executor is safe to repeat.
   */
  private attempt(slot: TaskSlot): void {
    const run = slot.run;
    let result: Promise<TaskResult | void>;
    try {
      result = run.execute(slot.record, run.operation, run.ports);
    } catch (e) {
      result = Promise.reject(e);
    }
    result.then(slot.done, slot.threw);
  }

  /** An attempt rejected: again after a backoff while the error is transient, else the task fails with it. */
  rejected(slot: TaskSlot, e: unknown): void {
    const retry = this.ctx.retrier.options;
    if (!isTransient(e) || slot.attempts >= retry.maxAttempts || slot.unit.lost) return this.finished(slot, failureOf(e));
    slot.attempts++;
    void this.ctx.activity.sleep(backoffDelay(slot.attempts - 1, retry)).then(() => this.attempt(slot));
  }

  finished(slot: TaskSlot, result: TaskResult): void {
    const { run, unit, seq } = slot;
    slot.release();
    this.free.push(slot);
    const ctx = this.ctx;
    this.scheduler.inFlight--;
    run.inFlight--;
    unit.inFlight--;
    const now = ctx.clock.now();
    if (!unit.lost && now >= unit.lease.expiresAt) this.lose(run, unit);
    if (unit.lost) {
      // Its result is not ours to record any more: whoever holds the unit runs the task again.
      if (unit.inFlight === 0) run.units = run.units.filter((u) => u !== unit);
    } else {
      unit.settle(seq, result);
      run.unrecorded[result.status]++;
      if (run.stop === undefined && crossesThreshold(ctx.threshold, run.succeeded(), run.failed())) {
        run.stop = "fail";
        run.failure = FAILURES.threshold(ctx.threshold, run.succeeded(), run.failed());
        ctx.drive(run);
      }
      if (
        unit.drained() ||
        ++run.sinceCheckpoint >= ctx.checkpointEvery ||
        run.pendingSize() >= ctx.maxPending ||
        now - run.lastCheckpointAt >= ctx.checkpointIntervalMs
      ) {
        this.checkpoint(run);
      } else if (now - run.lastProgressAt >= ctx.progressIntervalMs) {
        this.saveProgress(run);
      }
    }
    if (run.drained()) ctx.drive(run);
    this.pumpSoon();
    ctx.activity.end();
  }

  /**
   * Fills the freed slots once for every task that finished in this turn rather than once a
   * task: tasks over a fast store finish in bursts (all of a turn's resolve together), and one
   * pump refills the lot. It counts as an activity until it ran, so runUntilIdle waits for it.
   */
  private pumpSoon(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    this.ctx.activity.begin();
    queueMicrotask(this.pumpQueuedNow);
  }

  private readonly pumpQueuedNow = (): void => {
    this.pumpQueued = false;
    try {
      this.ctx.pump();
    } finally {
      this.ctx.activity.end();
    }
  };

  // ------------------------------------------------------------------ recording

  /** Records every held unit's finished prefix (finishing the drained ones), then the job's counters. */
  checkpoint(run: JobRun): void {
    if (run.saving) {
      run.saveAgain = true;
      return;
    }
    run.sinceCheckpoint = 0;
    run.lastCheckpointAt = run.lastProgressAt = this.ctx.clock.now();
    this.save(run, async () => {
      const finishedOne = await this.recordUnits(run);
      await this.writeCounters(run);
      if (finishedOne && run.units.length === 0) this.ctx.drive(run);
    });
  }

  private saveProgress(run: JobRun): void {
    if (run.saving) return;
    run.lastProgressAt = this.ctx.clock.now();
    this.save(run, async () => void (await this.writeCounters(run)));
  }

  private save(run: JobRun, work: () => Promise<void>): void {
    const ctx = this.ctx;
    ctx.activity.begin();
    run.saving = work()
      .catch((e) => ctx.fault(e, run.id))
      .finally(() => {
        run.saving = undefined;
        if (run.saveAgain) {
          run.saveAgain = false;
          this.checkpoint(run);
        }
        ctx.pump();
        ctx.activity.end();
      });
  }

  async saved(run: JobRun): Promise<void> {
    while (run.saving) await run.saving;
  }

  /**
   * One step per unit with newly finished records: `finish` for a drained unit, `record` for the
   * others. A refused step means the lease is gone: the unit is given up. True when a unit finished.
   */
  private async recordUnits(run: JobRun): Promise<boolean> {
    const ctx = this.ctx;
    let finishedOne = false;
    for (const unit of [...run.units]) {
      if (unit.lost || unit.done) continue;
      const drained = unit.drained();
      const position = unit.finishedPrefix();
      if (position <= unit.recorded) continue;
      const taken = unit.takeFinished(run.render);
      const step = stepOf(taken, position);
      const ok = await ctx.persist(
        () => (drained ? ctx.leases.finish(unit.lease, step, ctx.clock.now()) : ctx.leases.record(unit.lease, step, ctx.clock.now())),
        run.id,
      );
      run.unrecorded.succeeded -= taken.succeeded;
      run.unrecorded.failed -= taken.failed;
      if (!ok) {
        this.lose(run, unit);
        continue;
      }
      unit.recorded = position;
      run.known.succeeded += taken.succeeded;
      run.known.failed += taken.failed;
      if (drained) {
        unit.done = finishedOne = true;
        run.units = run.units.filter((u) => u !== unit);
        run.noUnits = false;
      }
    }
    if (run.units.length === 0) this.clearRenew(run);
    return finishedOne;
  }

  /** Writes the job's counters and its checkpoint summary, from the lease store and this engine's unrecorded tasks. */
  async writeCounters(run: JobRun): Promise<WorkSummary | undefined> {
    const ctx = this.ctx;
    const summary = await ctx.persist(() => ctx.leases.summary(run.id, ctx.clock.now()), run.id);
    if (!summary) return undefined;
    run.known = { succeeded: summary.succeeded, failed: summary.failed };
    const succeeded = run.succeeded();
    const failedCount = run.failed();
    try {
      run.job = await ctx.persist(
        () =>
          ctx.jobs.update(run.id, (d) => {
            d.checkpoint = checkpointFrom(d, summary);
            foldActiveTime(d.progress, ctx.clock.now());
            // Never backwards: another engine may have counted tasks this one has not heard of yet.
            d.progress.succeeded = Math.max(d.progress.succeeded ?? 0, succeeded);
            d.progress.failed = Math.max(d.progress.failed ?? 0, failedCount);
          }),
        run.id,
      );
    } catch (e) {
      if (!(e instanceof JobNotFoundError)) throw e;
      ctx.drop(run);
    }
    return summary;
  }

  /**
   * Stops work on the run's units (the engine stops, the job is cancelled or failing): once its
   * tasks in flight finished, records what they did and gives the units back.
   */
  async park(run: JobRun): Promise<void> {
    const ctx = this.ctx;
    await this.saved(run);
    await this.recordUnits(run);
    for (const unit of run.units) {
      if (!unit.lost && !unit.done) await ctx.persist(() => ctx.leases.release(unit.lease, ctx.clock.now()), run.id);
    }
    run.units = [];
    this.clearRenew(run);
    await this.writeCounters(run);
  }

  /** The lease ran out by this engine's clock (renewals failed): the unit may be someone else's already. */
  private expired(unit: HeldUnit): boolean {
    return this.ctx.clock.now() >= unit.lease.expiresAt;
  }

  private lose(run: JobRun, unit: HeldUnit): void {
    unit.lost = true;
    const dropped = unit.clear();
    run.unrecorded.succeeded -= dropped.succeeded;
    run.unrecorded.failed -= dropped.failed;
    if (unit.inFlight === 0) run.units = run.units.filter((u) => u !== unit);
    run.noUnits = false;
  }

  // ------------------------------------------------------------------ leases

  /**
   * Renews the run's leases every third of their duration while it holds any. The next renewal is
   * armed before this one runs, so that a clock moved far in one go (a ManualClock) renews all the
   * way rather than once.
   */
  private armRenew(run: JobRun): void {
    const ctx = this.ctx;
    if (run.renewTimer !== undefined) return;
    run.renewTimer = ctx.clock.setTimeout(() => {
      run.renewTimer = undefined;
      if (ctx.runs.get(run.id) !== run || run.units.length === 0) return;
      this.armRenew(run);
      ctx.activity.track(this.renew(run), (e) => ctx.fault(e, run.id));
    }, Math.max(1, Math.floor(ctx.leaseMs / 3)));
  }

  private async renew(run: JobRun): Promise<void> {
    const ctx = this.ctx;
    for (const unit of [...run.units]) {
      if (unit.lost || unit.done) continue;
      let renewed;
      try {
        renewed = await ctx.leases.renew(unit.lease, ctx.leaseMs, ctx.clock.now());
      } catch {
        continue; // the store failed this time: the next renew tries again, before the lease runs out
      }
      if (renewed) unit.lease = renewed;
      else if (!unit.done) this.lose(run, unit);
    }
    if (run.units.length === 0) this.clearRenew(run);
    ctx.pump();
  }

  clearRenew(run: JobRun): void {
    if (run.renewTimer !== undefined) this.ctx.clock.clearTimeout(run.renewTimer);
    run.renewTimer = undefined;
  }
}

/**
 * One task in flight: where it goes and its two callbacks, made once and used by task after task,
 * so that dispatching allocates no closure a task. Free again once the task finished.
 */
class TaskSlot {
  run!: JobRun;
  unit!: HeldUnit;
  record!: TaskRecord;
  seq = 0;
  attempts = 1;
  readonly done: (result: TaskResult | void) => void;
  readonly threw: (error: unknown) => void;

  constructor(runner: UnitRunner) {
    this.done = (result) => runner.finished(this, result ?? SUCCEEDED);
    this.threw = (error) => runner.rejected(this, error);
  }

  /** Forgets the task, so a free slot holds on to no job, unit or record. */
  release(): void {
    this.run = undefined!;
    this.unit = undefined!;
    this.record = undefined!;
  }
}
