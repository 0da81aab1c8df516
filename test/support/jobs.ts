import { JobService, type CreateJobInput, type Tenant } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { SequentialIds } from "../../src/core/ids.js";
import type { LifecyclePolicy } from "../../src/core/jobs/policy.js";
import { MemoryJobStore } from "../../src/stores/memory-job-store.js";

export const TENANT: Tenant = { dialect: "test", account: "123456789012", region: "us-east-1" };

let tokens = 0;
/** A valid create request; each call gets a fresh token unless one is given. */
export function createInput(overrides: Partial<CreateJobInput> = {}): CreateJobInput {
  return {
    clientRequestToken: `token-${++tokens}`,
    priority: 10,
    confirmationRequired: false,
    role: "role/batch",
    operation: { type: "putTagging", tags: [{ key: "confidential", value: "true" }] },
    manifest: { location: { bucket: "manifests", key: "m.csv" }, format: "csv", fields: ["bucket", "key"] },
    report: { enabled: true, bucket: "reports", prefix: "batch-op", scope: "AllTasks" },
    ...overrides,
  };
}

export function newService(options: { policies?: LifecyclePolicy[]; clock?: ManualClock } = {}) {
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 1));
  const store = new MemoryJobStore();
  const service = new JobService({ store, clock, ids: new SequentialIds(), policies: options.policies });
  return { service, clock, store };
}

/** Lets timers set on the manual clock (the retries' backoff) fire until `done` settles. */
export async function driving<T>(clock: ManualClock, done: Promise<T>): Promise<T> {
  let settled = false;
  void done.finally(() => (settled = true)).catch(() => undefined);
  while (!settled) {
    await new Promise((r) => setImmediate(r));
    const next = clock.nextTimerAt();
    if (next !== undefined) clock.advanceTo(next);
  }
  return done;
}
