import type { EngineContext } from "./context.js";
import type { JobRun } from "./job-run.js";

/** What the scheduler asks of the unit runner. */
export interface SchedulerActions {
  /** A queued run's turn: Ready → Active. */
  start(run: JobRun): void;
  /** Sends the run's next buffered record out. */
  dispatch(run: JobRun): void;
  /** Reads the next records of the run's units. */
  fetch(run: JobRun): void;
  /** Claims more units for the run. */
  claim(run: JobRun): void;
}

/**
 * Who gets the next task slot: the highest priority (then the oldest job) at every dispatch,
 * within `concurrency` tasks overall and `perJobConcurrency` per job. A run starting up, claiming
 * units or waiting for records keeps its share of slots from the runs below it, so that a lower
 * priority does not overtake it at a batch or unit edge. Nothing polls: tasks, reads, claims and
 * writes call `pump` when they finish.
 */
export class Scheduler {
  /** Runs waiting to start or running, highest priority first. */
  private queue: JobRun[] = [];
  inFlight = 0;
  private pumping = false;
  /** Told after each pump who waits for slots (pre-emption, preemption.ts). */
  observer: { observe(queue: readonly JobRun[], inFlight: number): void } | undefined;

  constructor(
    private readonly ctx: EngineContext,
    private readonly act: SchedulerActions,
  ) {}

  /** Ready: wait for a slot. */
  enqueue(run: JobRun): void {
    if (run.phase !== "idle") return;
    run.phase = "queued";
    this.add(run);
  }

  /** A run that is running (resumed or started) takes part in dispatching. */
  add(run: JobRun): void {
    if (!this.queue.includes(run)) this.queue.push(run);
    this.sort();
  }

  remove(run: JobRun): void {
    this.queue = this.queue.filter((r) => r !== run);
  }

  sort(): void {
    this.queue.sort((a, b) => b.priority - a.priority || a.creationTime - b.creationTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Fills free slots, highest priority first; never loops idle. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const run = this.pick();
        if (!run) return;
        if (run.phase === "queued") this.act.start(run);
        else this.act.dispatch(run);
      }
    } finally {
      this.pumping = false;
      this.observer?.observe(this.queue, this.inFlight);
    }
  }

  private pick(): JobRun | undefined {
    if (this.ctx.halted()) return undefined;
    const { concurrency, perJob, maxPending } = this.ctx;
    let reserved = 0;
    for (const run of this.queue) {
      if (this.inFlight + reserved >= concurrency) return undefined;
      if (run.stop !== undefined) continue;
      if (run.phase === "queued") return run;
      if (run.phase === "starting") {
        reserved += perJob;
        continue;
      }
      if (run.phase !== "running") continue;
      const room = perJob - run.inFlight;
      if (room <= 0) continue;
      if (run.pendingSize() >= maxPending) continue; // a slow task holds the next step back
      if (run.buffered()) return run;
      if (run.unitToRead()) {
        if (!run.fetching) this.act.fetch(run);
      } else if (!run.claiming && !run.noUnits) {
        this.act.claim(run);
      } else if (!run.claiming) continue;
      reserved += room;
    }
    return undefined;
  }
}
