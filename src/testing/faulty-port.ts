/**
 * Faults for the engine's own stores (a JobStore, a WorkLeaseStore, any port made of async
 * methods): the disk full, a database down. `faulty(store)` gives a stand-in for the store whose
 * calls fail while a rule says so, and counts them.
 *
 *   const jobs = faulty(new MemoryJobStore());
 *   jobs.faults.fail({ methods: "replace", times: 3, error: diskFull() });
 *   jobs.faults.down(); ... jobs.faults.up();
 */

export interface PortFaultRule {
  /** The methods that fail (default every one). */
  methods?: string | readonly string[];
  /** Fail at most this many matching calls (default: until removed). */
  times?: number;
  error: () => unknown;
}

export class PortFaults {
  private rules: { rule: PortFaultRule; hits: number }[] = [];
  private outage: (() => unknown) | undefined;
  /** Calls that were failed, by method. */
  readonly failed = new Map<string, number>();

  /** Fails matching calls; returns a handle that tells how many it failed and removes it. */
  fail(rule: PortFaultRule): { readonly hits: number; remove(): void } {
    const entry = { rule, hits: 0 };
    this.rules.push(entry);
    return {
      get hits() {
        return entry.hits;
      },
      remove: () => void (this.rules = this.rules.filter((r) => r !== entry)),
    };
  }

  /** Every call fails until `up()` (a database that went away). */
  down(error: () => unknown = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })): void {
    this.outage = error;
  }

  up(): void {
    this.outage = undefined;
  }

  /** The error a call of `method` fails with now, if it does. */
  check(method: string): unknown {
    let error = this.outage?.();
    if (error === undefined) {
      for (const entry of this.rules) {
        const methods = entry.rule.methods;
        const matches = methods === undefined || (typeof methods === "string" ? methods === method : methods.includes(method));
        if (!matches || (entry.rule.times !== undefined && entry.hits >= entry.rule.times)) continue;
        entry.hits++;
        error = entry.rule.error();
        break;
      }
    }
    if (error !== undefined) this.failed.set(method, (this.failed.get(method) ?? 0) + 1);
    return error;
  }

  /** Failed calls in all. */
  total(): number {
    let n = 0;
    for (const v of this.failed.values()) n += v;
    return n;
  }
}

/** ENOSPC, as a full disk answers a write. */
export function diskFull(): Error {
  return Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28 });
}

/** The store with its faults: every method goes through `faults.check` first. */
export function faulty<T extends object>(inner: T): T & { readonly faults: PortFaults } {
  const faults = new PortFaults();
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "faults") return faults;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function" || typeof prop !== "string") return value;
      return (...args: unknown[]) => {
        const error = faults.check(prop);
        if (error !== undefined) return Promise.reject(error);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as T & { readonly faults: PortFaults };
}
