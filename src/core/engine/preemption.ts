import type { EngineEvent } from "../jobs/transitions.js";
import type { TimerHandle } from "../ports.js";
import type { EngineContext } from "./context.js";
import type { JobRun } from "./job-run.js";

/** What pre-emption asks of the job steps, the scheduler and the unit runner. */
export interface PreemptionSteps {
  /** JobSteps.advance: the engine event, as a compare-and-set; with `onVersion`, only on that version of the job. */
  advance(run: JobRun, event: EngineEvent, onVersion?: number): Promise<boolean>;
  /** Fails the job with the run's failure (a task crossed the threshold while it was pausing). */
  fail(run: JobRun): Promise<void>;
  /** Drives the run again at `at`. */
  driveAt(run: JobRun, at: number): void;
  /** Queues the run for a slot (scheduler.enqueue and a pump): its turn comes by priority. */
  enqueue(run: JobRun): void;
  /** Takes the run out of dispatching. */
  remove(run: JobRun): void;
  /** UnitRunner.park: records what the finished tasks did and gives the units back. */
  park(run: JobRun): Promise<void>;
}

interface Starving {
  /** Tasks of the run started or finished when the starvation was first seen: one more means it got a slot. */
  started: number;
  timer: TimerHandle | undefined;
  /** The policy's delay ran out while starved: the next Active step pauses the job. */
  due: boolean;
}

/**
 * Pre-emption (the Pausing and Paused statuses). After each pump the scheduler shows who waits:
 * a running job that wants a task slot while every slot is taken and jobs of a higher priority
 * hold some of them is starved. Starved without a single new slot for its policy's
 * `preemptAfterMs`, the job pauses:
 * - the decision is one job-level step, Active → Pausing, written as a compare-and-set on the job
 *   version it was made on (a job changed meanwhile is read and decided again), so across
 *   engines sharing a JobStore it happens once. A job whose units another engine holds is not
 *   starved as a job: this engine gives its own units back for the others to run and waits
 *   again; the job pauses once no other engine holds any;
 * - in Pausing, every engine running it starts nothing new, lets its tasks in flight finish, records
 *   them and gives its units back; the last one to do so moves it to Paused;
 * - a Paused job waits in the scheduler's queue beside the Ready ones and goes back to Active
 *   (the `resume` event) when a slot comes free for its priority, on whichever engine has one.
 * Pausing and Paused are not active time (enterStatus stops and restarts the timer).
 */
export class Preemption {
  private readonly starving = new Map<JobRun, Starving>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly steps: PreemptionSteps,
  ) {}

  /** After a pump: which running runs are starved now (queue highest priority first, as the scheduler counts slots). */
  observe(queue: readonly JobRun[], inFlight: number): void {
    const { concurrency, perJob } = this.ctx;
    let reserved = 0;
    let topHolding = -Infinity;
    for (const run of queue) {
      const full = inFlight + reserved >= concurrency;
      this.mark(run, full && topHolding > run.priority && this.wantsSlot(run));
      if (run.stop !== undefined) continue;
      if (run.phase === "starting") {
        reserved += perJob;
        topHolding = Math.max(topHolding, run.priority);
      } else if (run.phase === "running") {
        const room = perJob - run.inFlight;
        const waitsForWork = room > 0 && !run.buffered() && (run.fetching || run.claiming);
        if (waitsForWork) reserved += room;
        if (run.inFlight > 0 || waitsForWork) topHolding = Math.max(topHolding, run.priority);
      }
    }
    if (this.starving.size > 0) for (const run of this.starving.keys()) if (!queue.includes(run)) this.forget(run);
  }

  /**
   * Active step: pauses the job when its delay ran out while starved. True when the step was
   * taken (or tried against a job that changed meanwhile: the run reads it and decides again).
   */
  async pauseIfDue(run: JobRun): Promise<boolean> {
    const entry = this.starving.get(run);
    if (!entry?.due) return false;
    const ctx = this.ctx;
    const summary = await ctx.persist(() => ctx.leases.summary(run.id, ctx.clock.now()), run.id);
    const mine = run.units.filter((u) => !u.lost && !u.done).length;
    if (summary && summary.leased > mine) {
      // Other engines hold units of it: only this engine's share is starved. It gives its units
      // back (once its tasks finished) for them to run, and waits again; the job pauses only
      // when no other engine holds any (they gave theirs back, or finished them).
      if (run.inFlight === 0 && !run.fetching && mine > 0) await this.steps.park(run);
      this.arm(run);
      return false;
    }
    await this.steps.advance(run, "pause", run.job.version);
    return true;
  }

  /** Pausing: nothing new starts; once this engine's tasks finished and its units are back, Paused (by the last engine to let go). */
  async pausing(run: JobRun): Promise<void> {
    this.forget(run);
    if (run.phase === "starting") return; // the start drives the run again
    if (run.stop === "fail") return this.steps.fail(run);
    if (!(await this.letGo(run))) return;
    const ctx = this.ctx;
    const summary = await ctx.persist(() => ctx.leases.summary(run.id, ctx.clock.now()), run.id);
    if (summary && summary.leased > 0 && summary.nextExpiry !== undefined) {
      // Another engine still finishes tasks of it: it moves the job on, or its lease runs out.
      this.steps.driveAt(run, summary.nextExpiry);
      return;
    }
    await this.steps.advance(run, "paused");
  }

  /** Paused: wait for a slot among the queued jobs, by priority (JobSteps.startRun resumes it). */
  async paused(run: JobRun): Promise<void> {
    this.forget(run);
    if (run.phase === "starting" || run.phase === "queued") return;
    if (run.stop === "fail") return this.steps.fail(run);
    if (!(await this.letGo(run))) return;
    this.steps.enqueue(run);
  }

  /** Stops this engine's work on the run: false while tasks or a read are still under way (their end drives the run again). */
  private async letGo(run: JobRun): Promise<boolean> {
    this.steps.remove(run);
    if (run.phase === "queued") run.phase = "idle";
    if (run.phase !== "running") return true;
    if (run.inFlight > 0 || run.fetching) return false;
    await this.steps.park(run);
    if (run.phase !== "running" || run.inFlight > 0) return false;
    run.phase = "idle";
    run.cursor?.close();
    run.cursor = undefined;
    return true;
  }

  private wantsSlot(run: JobRun): boolean {
    return (
      run.phase === "running" &&
      run.job.status === "Active" &&
      !run.noNewTasks() &&
      run.inFlight < this.ctx.perJob &&
      run.pendingSize() < this.ctx.maxPending &&
      (run.buffered() || run.unitToRead() !== undefined || run.claiming || !run.noUnits)
    );
  }

  private mark(run: JobRun, starved: boolean): void {
    const entry = this.starving.get(run);
    if (!starved) {
      if (entry) this.forget(run);
      return;
    }
    if (entry && started(run) === entry.started) return;
    // Newly starved, or it got a slot since: the delay starts now.
    this.arm(run);
  }

  /** Starts (or restarts) the run's delay, if its policy pre-empts. */
  private arm(run: JobRun): void {
    this.forget(run);
    const after = this.ctx.jobs.policyFor(run.job.tenant.dialect).preemptAfterMs;
    if (after === undefined) return;
    const fresh: Starving = { started: started(run), timer: undefined, due: false };
    this.starving.set(run, fresh);
    fresh.timer = this.ctx.clock.setTimeout(() => {
      fresh.timer = undefined;
      if (this.starving.get(run) !== fresh || this.ctx.runs.get(run.id) !== run || this.ctx.halted()) return;
      fresh.due = true;
      this.ctx.drive(run);
    }, after);
  }

  private forget(run: JobRun): void {
    const entry = this.starving.get(run);
    if (!entry) return;
    if (entry.timer !== undefined) this.ctx.clock.clearTimeout(entry.timer);
    this.starving.delete(run);
  }
}

/** Tasks the run started, in flight or finished. */
function started(run: JobRun): number {
  return run.succeeded() + run.failed() + run.inFlight;
}
