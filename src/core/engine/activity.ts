import { InvalidTransitionError, JobNotFoundError } from "../errors.js";
import { ManifestError } from "../manifest/records.js";
import type { Clock } from "../ports.js";
import { backoffDelay, type RetryOptions } from "./retries.js";

/**
 * What the engine has under way, so that runUntilIdle knows when nothing is left, and the one way
 * the engine waits before a retry, whatever the clock. Activities (tasks, reads, writes,
 * decisions) are busy; a retry wait is not: it is a deadline on the clock, which runUntilIdle
 * moves to (a ManualClock) or waits for (any other clock).
 */
export class Activity {
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly waits = new Map<number, number>();
  private wakeWaiters: (() => void)[] = [];
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  begin(): void {
    this.busy++;
  }

  end(): void {
    if (--this.busy > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Runs `work` as one activity; a rejection goes to `onError`. */
  track(work: Promise<unknown>, onError: (e: unknown) => void): void {
    this.begin();
    work.catch(onError).finally(() => this.end());
  }

  /** Resolves once nothing is busy (retry waits may remain). */
  async quiet(): Promise<void> {
    while (this.busy > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Waits `ms` on the engine's clock, from inside a busy activity: the activity is not busy while
   * it waits and busy again once woken. The timer keeps the process alive while it runs (the
   * system clock's timers do not, for far deadlines), so a script awaiting runUntilIdle is not cut short.
   */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const id = ++this.seq;
      this.waits.set(id, this.clock.now() + ms);
      const handle = this.clock.setTimeout(() => {
        this.waits.delete(id);
        this.busy++;
        resolve();
        const woken = this.wakeWaiters;
        this.wakeWaiters = [];
        for (const w of woken) w();
      }, ms);
      (handle as { ref?: () => unknown }).ref?.();
      this.end();
    });
  }

  /** The earliest retry deadline, if a retry waits. */
  nextWait(): number | undefined {
    let next: number | undefined;
    for (const at of this.waits.values()) if (next === undefined || at < next) next = at;
    return next;
  }

  /** Resolves when the next retry wait ends. */
  woken(): Promise<void> {
    return new Promise((resolve) => this.wakeWaiters.push(resolve));
  }
}

/** How long the engine waits between attempts of a job-store or lease-store write that failed. */
export const STORE_RETRY: RetryOptions = { maxAttempts: Infinity, baseDelayMs: 100, maxDelayMs: 5_000 };

/**
 * A store call the engine cannot do without (a job write, a lease-store step): on a failure of the
 * store (ENOSPC, EIO, a rejection, a database down) it is tried again with backoff until it
 * succeeds, each failure reported; what the domain answers (the job moved on or is gone, a bad
 * manifest) and programming errors pass through. `giveUp` ends the retries (the engine stops).
 */
export async function persist<T>(
  call: () => Promise<T>,
  activity: Activity,
  report: (e: unknown) => void,
  giveUp: () => boolean,
  retry: RetryOptions = STORE_RETRY,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await call();
    } catch (e) {
      if (!isStoreFault(e) || giveUp()) throw e;
      report(e);
      await activity.sleep(backoffDelay(n, retry));
    }
  }
}

function isStoreFault(e: unknown): boolean {
  return !(
    e instanceof InvalidTransitionError ||
    e instanceof JobNotFoundError ||
    e instanceof ManifestError ||
    e instanceof TypeError ||
    e instanceof RangeError ||
    e instanceof ReferenceError
  );
}
