import { InvalidTransitionError, JobNotFoundError } from "../errors.js";
import type { EngineEvent } from "../jobs/transitions.js";
import { ManifestError } from "../manifest/records.js";
import { prepareManifest, PreparationStopped } from "../manifest/source.js";
import type { FailureReason, Job } from "../model/job.js";
import type { JobStatus } from "../model/status.js";
import type { ReportChunk, WorkSummary } from "../ports.js";
import { restartActiveTime } from "./active-time.js";
import { checkpointFrom, freshCheckpoint } from "./checkpoint.js";
import type { EngineContext } from "./context.js";
import { FAILURES } from "./failures.js";
import type { JobRun } from "./job-run.js";
import { Preemption } from "./preemption.js";
import type { ReportLayout } from "./report-layouts.js";
import { checkReportDestination } from "./report-check.js";
import { reportedStatuses } from "./report-writer.js";
import { SpilledRowsLost } from "./row-spill.js";
import type { Scheduler } from "./scheduler.js";
import type { UnitRunner } from "./unit-runner.js";

/** A failure of the lease store while the report reads its rows: retried, never blamed on the report bucket. */
class RowsUnreadable extends Error {
  constructor(override readonly cause: unknown) {
    super(`the work-lease store failed while the report read its rows: ${String(cause)}`);
    this.name = "RowsUnreadable";
  }
}

/**
 * Job steps: what each status calls for, decided one at a time per job from the job as stored.
 * Every transition is the JobService's compare-and-set, so across engines each one happens once;
 * the side effects around them are guarded by it (a unit plan is made once, the report is written
 * from the recorded rows, identically by whoever writes it, before the transition that ends the
 * job, and the rows are dropped only after it).
 */
export class JobSteps {
  private readonly preemption: Preemption;

  constructor(
    private readonly ctx: EngineContext,
    private readonly scheduler: Scheduler,
    private readonly units: UnitRunner,
  ) {
    this.preemption = new Preemption(ctx, {
      advance: (run, event, onVersion) => this.advance(run, event, undefined, onVersion),
      fail: (run) => this.failRun(run),
      driveAt: (run, at) => this.driveAt(run, at),
      enqueue: (run) => this.enqueue(run),
      remove: (run) => scheduler.remove(run),
      park: (run) => units.park(run),
    });
    scheduler.observer = this.preemption;
  }

  /** Reads the job and takes the step its status calls for, again while something changed meanwhile. */
  drive(run: JobRun): void {
    if (run.driving) {
      run.again = true;
      return;
    }
    run.driving = true;
    const ctx = this.ctx;
    ctx.activity.begin();
    this.decide(run)
      .catch((e) => ctx.fault(e, run.id))
      .finally(() => ctx.activity.end());
  }

  private async decide(run: JobRun): Promise<void> {
    const ctx = this.ctx;
    try {
      do {
        run.again = false;
        if (ctx.runs.get(run.id) !== run) return;
        const job = await ctx.persist(() => ctx.jobs.get(run.id), run.id);
        if (!job) return ctx.drop(run);
        run.job = job;
        if (run.priority !== job.priority) {
          run.priority = job.priority;
          this.scheduler.sort();
        }
        if (job.status === "Cancelling" || job.status === "Cancelled") run.stop ??= "cancel";
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
    Pausing: (run) => this.preemption.pausing(run),
    Paused: (run) => this.preemption.paused(run),
    Completing: (run, job) => this.complete(run, job),
    Cancelling: (run, job) => this.finishStopped(run, job, "cancelled"),
    Failing: (run, job) => this.finishStopped(run, job, "failed"),
    Complete: async (run) => this.ctx.drop(run),
    Cancelled: async (run) => this.ctx.drop(run),
    Failed: async (run) => this.ctx.drop(run),
  };

  /**
   * Applies an engine event; false when the job moved on meanwhile (a user cancelled it, another
   * engine took the step), in which case the run reads it again and decides anew.
   */
  private async advance(run: JobRun, event: EngineEvent, patch?: (draft: Job, now: number) => void, onVersion?: number): Promise<boolean> {
    try {
      run.job = await this.ctx.persist(() => this.ctx.jobs.advance(run.id, event, patch, onVersion), run.id);
      run.again = true;
      return true;
    } catch (e) {
      if (e instanceof InvalidTransitionError) {
        run.again = true;
        return false;
      }
      if (e instanceof JobNotFoundError) {
        this.ctx.drop(run);
        return false;
      }
      throw e;
    }
  }

  /** A job write without a status change that tolerates the job having disappeared. */
  private async write(run: JobRun, mutation: (draft: Job) => void | false): Promise<void> {
    try {
      run.job = await this.ctx.persist(() => this.ctx.jobs.update(run.id, mutation), run.id);
    } catch (e) {
      if (!(e instanceof JobNotFoundError)) throw e;
      this.ctx.drop(run);
    }
  }

  /** Preparing (or Ready without totals): read and count the manifest, then Suspended or Ready; one engine at a time. */
  private async prepare(run: JobRun, job: Job): Promise<void> {
    if (this.ctx.halted()) return;
    await this.exclusive(run, "prepare", () => this.prepareNow(run, job));
  }

  /** False when preparation stopped half-way (the job cancelled, the engine stopping): it is to be done again. */
  private async prepareNow(run: JobRun, job: Job): Promise<boolean> {
    const ctx = this.ctx;
    let prepared;
    try {
      prepared = run.prepared ?? (await prepareManifest(job, ctx.objects, ctx.clock.now(), () => run.stop !== undefined || ctx.halted()));
    } catch (e) {
      if (e instanceof PreparationStopped) {
        run.again = !ctx.halted();
        return false;
      }
      if (!(e instanceof ManifestError)) throw e;
      await this.advance(run, "fail", (d) => void d.failureReasons.push(FAILURES.manifest(e.code, e.reason)));
      return true;
    }
    run.prepared = prepared;
    // A report that can never be written fails the job now, before any task changes an object.
    const unwritable = await checkReportDestination(job, ctx.objects);
    if (unwritable) {
      await this.advance(run, "fail", (d) => void d.failureReasons.push(unwritable));
      return true;
    }
    const record = (d: Job) => {
      d.progress.total = prepared.total;
      d.progress.succeeded = 0;
      d.progress.failed = 0;
      d.checkpoint = freshCheckpoint(prepared.etag);
      if (prepared.generatedManifest) d.generatedManifest = prepared.generatedManifest;
    };
    if (job.status === "Preparing" && (await this.advance(run, job.confirmationRequired ? "awaitConfirmation" : "prepared", record))) return true;
    // Confirmed while it was being prepared (a policy may allow it), or an engine restarted: the
    // job is Ready already; record the totals without a status change.
    await this.write(run, (d) => {
      if (d.status !== "Ready" || d.progress.total !== null) return false;
      record(d);
    });
    run.again = true;
    return true;
  }

  /** Ready: wait for a slot, highest priority first. */
  private async enqueue(run: JobRun): Promise<void> {
    this.scheduler.enqueue(run);
    this.ctx.pump();
  }

  /** Called by the scheduler when a queued run gets its turn: Ready (or Paused) → Active, plan its units. */
  startRun(run: JobRun): void {
    const ctx = this.ctx;
    run.phase = "starting";
    ctx.activity.begin();
    (async () => {
      if (await this.advance(run, run.job.status === "Paused" ? "resume" : "start")) await this.units.activate(run, run.job);
      else if (run.phase === "starting") run.phase = "idle";
    })()
      .catch((e) => ctx.fault(e, run.id))
      .finally(() => {
        this.drive(run);
        ctx.pump();
        ctx.activity.end();
      });
  }

  /** Active: a run to set up (or resume), a failure to declare, or every unit done. */
  private async active(run: JobRun, job: Job): Promise<void> {
    const ctx = this.ctx;
    if (run.phase === "idle" || run.phase === "queued") {
      // Active without a run here: started by another engine, or left by one that stopped. The
      // time since the job's last write (a process that was down) is not active time.
      this.scheduler.remove(run);
      ctx.activity.begin();
      try {
        await this.write(run, (d) => restartActiveTime(d.progress, ctx.clock.now()));
        if (ctx.runs.get(run.id) !== run) return;
        await this.units.activate(run, run.job);
      } finally {
        ctx.pump();
        ctx.activity.end();
      }
      run.again = true;
      return;
    }
    if (run.phase !== "running") return;
    if (run.stop === "fail") return this.failRun(run);
    if (await this.preemption.pauseIfDue(run)) return;
    if (run.units.length > 0 || run.claiming || run.inFlight > 0) return;
    await this.units.saved(run);
    const summary = await ctx.persist(() => ctx.leases.summary(run.id, ctx.clock.now()), run.id);
    if (summary && summary.done < summary.units) {
      // Units remain, none of them here: claim again (some may have come free).
      run.noUnits = false;
      ctx.pump();
      return;
    }
    await this.advance(run, "finish", (d) => countersFrom(d, summary));
  }

  /** The run must fail (threshold crossed, manifest unreadable mid-run): Failing, with its counts. */
  private async failRun(run: JobRun): Promise<void> {
    const failure = run.failure ?? FAILURES.internal("unknown");
    await this.advance(run, "fail", (d) => {
      d.failureReasons.push(failure);
      d.progress.succeeded = run.succeeded();
      d.progress.failed = run.failed();
    });
  }

  /** Completing: write the report, then Complete (or Failed when the report cannot be written). */
  private async complete(run: JobRun, job: Job): Promise<void> {
    if (run.phase === "running" && !run.drained()) return;
    await this.units.saved(run);
    const summary = await this.summary(run);
    let failure: FailureReason | undefined;
    if (!(await this.exclusive(run, "report", async () => void (failure = await this.writeReport(job, this.ctx.layoutFor(job), summary))))) return;
    if (failure) {
      run.reportFailure = failure;
      const reason = failure;
      await this.advance(run, "fail", (d) => void d.failureReasons.push(reason));
      return;
    }
    if (await this.advance(run, "complete", (d) => countersFrom(d, summary))) await this.forget(run);
  }

  /**
   * Cancelling or Failing: once this engine's tasks in flight finish and every unit is given back
   * (other engines learn of the status and give theirs back, or their leases expire), write the
   * report if any task ran, then the end.
   */
  private async finishStopped(run: JobRun, job: Job, event: "cancelled" | "failed"): Promise<void> {
    const ctx = this.ctx;
    if (run.phase === "starting") return;
    run.stop ??= event === "cancelled" ? "cancel" : "fail";
    if (run.inFlight > 0) return;
    if (run.phase === "running") await this.units.park(run);
    const summary = await this.summary(run);
    if (summary && summary.leased > 0 && summary.nextExpiry !== undefined) {
      // Another engine still works on a unit: decide again once it gives it back or its lease ends.
      this.driveAt(run, summary.nextExpiry);
      return;
    }
    let failure = run.reportFailure;
    if (!failure && !(await this.exclusive(run, "report", async () => void (failure = await this.writeReport(job, ctx.layoutFor(job), summary))))) return;
    const ended = await this.advance(run, event, (d) => {
      countersFrom(d, summary);
      if (failure && !d.failureReasons.some((r) => r.code === failure!.code)) d.failureReasons.push(failure);
    });
    if (ended) await this.forget(run);
  }

  private summary(run: JobRun): Promise<WorkSummary | undefined> {
    return this.ctx.persist(() => this.ctx.leases.summary(run.id, this.ctx.clock.now()), run.id);
  }

  /** Drives the run again at `at` (a wait runUntilIdle moves the clock to). */
  private driveAt(run: JobRun, at: number): void {
    const ctx = this.ctx;
    ctx.activity.begin();
    void ctx.activity.sleep(Math.max(0, at - ctx.clock.now())).then(() => {
      if (ctx.runs.get(run.id) === run) this.drive(run);
      ctx.activity.end();
    });
  }

  /**
   * Runs a job-level side effect (preparing, writing the report) in one engine at a time: under
   * the lease of the one unit of a step entry in the lease store (`<job id>#step:<name>`). True
   * once the step is done, here or by another engine (whose result the job record then holds); a
   * step `fn` says is not done (false) or that throws is given back;
   * false while another engine holds it (this run decides again when that lease ends). A step is
   * not renewed while it runs: one that outlasts its lease may run twice, which writes the same
   * report twice (the transition that follows still happens once).
   */
  private async exclusive(run: JobRun, step: string, fn: () => Promise<boolean | void>): Promise<boolean> {
    const ctx = this.ctx;
    const id = stepId(run.id, step);
    await ctx.persist(() => ctx.leases.plan(id, [{ start: 0, end: 1 }]), run.id);
    const [lease] = await ctx.persist(() => ctx.leases.claim(id, { owner: ctx.owner, limit: 1, leaseMs: ctx.leaseMs, now: ctx.clock.now() }), run.id);
    if (!lease) {
      const summary = await ctx.persist(() => ctx.leases.summary(id, ctx.clock.now()), run.id);
      if (!summary || summary.done === summary.units) return true;
      this.driveAt(run, summary.nextExpiry ?? ctx.clock.now() + ctx.leaseMs);
      return false;
    }
    let done;
    try {
      done = (await fn()) !== false;
    } catch (e) {
      done = false;
      throw e;
    } finally {
      // Not done: given back, so that this engine or another does it again.
      if (!done) await ctx.persist(() => ctx.leases.release(lease, ctx.clock.now()), run.id).catch(() => undefined);
    }
    if (!done) return false;
    await ctx.persist(() => ctx.leases.finish(lease, NO_TASKS, ctx.clock.now()), run.id);
    return true;
  }

  /** The job ended and its report is written: its units, rows and step entries are no longer needed. */
  private async forget(run: JobRun): Promise<void> {
    for (const id of [run.id, ...JOB_STEPS.map((s) => stepId(run.id, s))]) await this.ctx.persist(() => this.ctx.leases.drop(id), run.id);
  }

  /**
   * The report, from the rows recorded for the job, when at least one task ran (a report is
   * written when the job ends in any way). A failure of the report bucket fails the job; one of the
   * lease store is retried like every store write.
   */
  private async writeReport(job: Job, layout: ReportLayout, summary: WorkSummary | undefined): Promise<FailureReason | undefined> {
    const ctx = this.ctx;
    if (!summary || summary.succeeded + summary.failed === 0 || reportedStatuses(job, layout).length === 0) return undefined;
    const leases = ctx.leases;
    async function* rows(status: "succeeded" | "failed"): AsyncGenerator<ReportChunk> {
      try {
        for await (const chunk of leases.rows(job.id, status)) yield chunk;
      } catch (e) {
        // Rows spilled to the report bucket and lost there fail the report, like that bucket's own failures.
        throw e instanceof SpilledRowsLost ? e : new RowsUnreadable(e);
      }
    }
    return ctx.persist(async () => {
      try {
        await ctx.report.writeReport(job, layout, summary.rows, rows, ctx.clock.now());
        return undefined;
      } catch (e) {
        if (e instanceof RowsUnreadable) throw e;
        return FAILURES.report(describe(e));
      }
    }, job.id);
  }
}

const JOB_STEPS = ["prepare", "report"] as const;
const STEP_MARK = "#step:";
const NO_TASKS = { position: 1, succeeded: 0, failed: 0, rows: { succeeded: [], failed: [] } };

function stepId(jobId: string, step: string): string {
  return `${jobId}${STEP_MARK}${step}`;
}

/** The job a lease-store entry belongs to: the job's own units, or one of its step entries. */
export function jobOfEntry(id: string): string {
  const at = id.indexOf(STEP_MARK);
  return at < 0 ? id : id.slice(0, at);
}

function countersFrom(d: Job, summary: WorkSummary | undefined): void {
  if (!summary) return;
  d.checkpoint = checkpointFrom(d, summary);
  d.progress.succeeded = summary.succeeded;
  d.progress.failed = summary.failed;
}

function describe(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  if (typeof err?.code === "string") return `${err.code}: ${String(err.message ?? "")}`;
  return e instanceof Error ? e.message : String(e);
}
