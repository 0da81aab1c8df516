import { describe, expect, it } from "vitest";
import { Engine, JobService, MemoryJobStore, MemoryObjectStore, type CreateJobInput, type Job } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { SequentialIds } from "../../src/core/ids.js";
import { definePolicy } from "../../src/core/jobs/policy.js";
import { elapsedActiveSeconds } from "../../src/core/model/job.js";
import { MemoryWorkLeases } from "../../src/stores/memory-work-leases.js";
import { createTestBed, FaultInjectingStore, seedManifest, seedObjects, whenJob, type TestBedOptions } from "../../src/testing/index.js";
import { statusLog } from "./support.js";

const PAUSE_AFTER_MS = 5_000;
const PREEMPTING = definePolicy({ name: "default", preemptAfterMs: PAUSE_AFTER_MS });

/**
 * A low-priority job running in every slot, and a high-priority one waiting for confirmation.
 * The low job's tasks are held at a gate until the test lets them go, so that it is caught holding
 * slots when the high job arrives.
 */
async function contest(options: TestBedOptions = {}) {
  const bed = createTestBed({ policies: [PREEMPTING], engine: { concurrency: 2 }, ...options });
  const low = Array.from({ length: 6 }, (_, i) => `low-${i}`);
  const high = Array.from({ length: 3 }, (_, i) => `high-${i}`);
  await seedObjects(bed.objects, "data", [...low, ...high]);
  const input = async (name: string, keys: string[], priority: number, confirmationRequired: boolean): Promise<CreateJobInput> => ({
    clientRequestToken: name,
    priority,
    confirmationRequired,
    role: "r",
    operation: { type: "putTagging", tags: [{ key: "by", value: name }] },
    manifest: await seedManifest(bed.objects, { bucket: "manifests", key: `${name}.csv` }, keys.map((k) => ["data", k] as const)),
    report: { enabled: false },
  });
  const lowGate = bed.faults.hold({ operations: "putTagging", key: /^low-/ });
  const highGate = bed.faults.hold({ operations: "putTagging", key: /^high-/ });
  const highJob = await bed.createJob(await input("high", high, 5, true));
  const lowJob = await bed.createJob(await input("low", low, 1, false));
  const lowStatuses = statusLog(bed, () => lowJob.id);
  const run = bed.runUntilIdle();
  await lowGate.arrived(2); // the low job holds both slots
  await bed.jobs.updateJobStatus(bed.tenant, highJob.id, "Ready");
  lowGate.release();
  await highGate.arrived(2); // the high job holds both slots; the low one has tasks left
  return { bed, lowJob, highJob, lowGate, highGate, lowStatuses, run };
}

const status = async (bed: ReturnType<typeof createTestBed>, id: string) => (await bed.describe(id)).status;

describe("pre-emption: Pausing and Paused", () => {
  it("pauses a job starved by a higher priority after the policy's delay, and resumes it when slots free up", async () => {
    const { bed, lowJob, highJob, highGate, lowStatuses, run } = await contest();
    // Starved, but not yet for the policy's delay.
    bed.clock.advance(PAUSE_AFTER_MS - 1);
    expect(await status(bed, lowJob.id)).toBe("Active");
    bed.clock.advance(1);
    const paused = await bed.whenJob(lowJob.id, (j) => j.status === "Paused");
    expect(paused.progress).toMatchObject({ total: 6, succeeded: 2, failed: 0 });

    // Time Paused is not active time.
    const activeAtPause = elapsedActiveSeconds(paused.progress, bed.clock.now());
    bed.clock.advance(60_000);
    expect(elapsedActiveSeconds((await bed.describe(lowJob.id)).progress, bed.clock.now())).toBe(activeAtPause);
    expect(await status(bed, lowJob.id)).toBe("Paused");

    highGate.release();
    await run;
    expect(await status(bed, highJob.id)).toBe("Complete");
    const done = await bed.describe(lowJob.id);
    expect(done).toMatchObject({ status: "Complete", progress: { total: 6, succeeded: 6, failed: 0 } });
    expect(lowStatuses).toEqual(["Preparing", "Ready", "Active", "Pausing", "Paused", "Active", "Completing", "Complete"]);
    // Every task ran once.
    const lowCalls = bed.faults.calls.filter((c) => c.operation === "putTagging" && c.key!.startsWith("low-")).map((c) => c.key);
    expect(lowCalls.sort()).toEqual(["low-0", "low-1", "low-2", "low-3", "low-4", "low-5"]);
  });

  it("does not pause a job whose starvation ends before the delay", async () => {
    const { bed, lowJob, highGate, lowStatuses, run } = await contest();
    bed.clock.advance(PAUSE_AFTER_MS - 1);
    highGate.release();
    await run;
    bed.clock.advance(PAUSE_AFTER_MS);
    await bed.runUntilIdle();
    expect(await status(bed, lowJob.id)).toBe("Complete");
    expect(lowStatuses).not.toContain("Pausing");
  });

  it("keeps a starved job Active under a policy without pre-emption", async () => {
    const { bed, lowJob, highGate, lowStatuses, run } = await contest({ policies: [definePolicy({ name: "default" })] });
    bed.clock.advance(10 * PAUSE_AFTER_MS);
    expect(await status(bed, lowJob.id)).toBe("Active");
    highGate.release();
    await run;
    expect(lowStatuses).toEqual(["Preparing", "Ready", "Active", "Completing", "Complete"]);
  });

  it("lets a Paused job be cancelled, and writes the report of what it did", async () => {
    const { bed, lowJob, highGate, lowStatuses, run } = await contest();
    bed.clock.advance(PAUSE_AFTER_MS);
    await bed.whenJob(lowJob.id, (j) => j.status === "Paused");
    expect((await bed.jobs.updateJobStatus(bed.tenant, lowJob.id, "Cancelled")).status).toBe("Cancelling");
    highGate.release();
    await run;
    const job: Job = await bed.describe(lowJob.id);
    expect(job).toMatchObject({ status: "Cancelled", progress: { succeeded: 2 } });
    expect(lowStatuses).toEqual(["Preparing", "Ready", "Active", "Pausing", "Paused", "Cancelling", "Cancelled"]);
  });

  it("resumes a Paused job first when its priority is raised above the one that pre-empted it", async () => {
    const { bed, lowJob, highJob, highGate, lowStatuses, run } = await contest();
    bed.clock.advance(PAUSE_AFTER_MS);
    await bed.whenJob(lowJob.id, (j) => j.status === "Paused");
    await bed.jobs.updateJobPriority(bed.tenant, lowJob.id, 9);
    highGate.release();
    await run;
    // The first slot freed goes to the Paused job, now the higher priority.
    const order = bed.faults.calls.filter((c) => c.operation === "putTagging").map((c) => c.key);
    expect(order).toEqual(["low-0", "low-1", "high-0", "high-1", "low-2", "low-3", "low-4", "low-5", "high-2"]);
    expect(await status(bed, highJob.id)).toBe("Complete");
    expect(lowStatuses).toEqual(["Preparing", "Ready", "Active", "Pausing", "Paused", "Active", "Completing", "Complete"]);
  });
});

/**
 * A memory job store with a change feed, as PostgreSQL's LISTEN/NOTIFY gives engines in other
 * processes; it records every status each job was written with, whoever wrote it.
 */
class FeedJobStore extends MemoryJobStore {
  private readonly watchers = new Set<(id: string) => void>();
  readonly statuses = new Map<string, string[]>();
  override async insert(job: Job) {
    const result = await super.insert(job);
    if (result.inserted) this.notify(job.id);
    return result;
  }
  override async replace(job: Job, expectedVersion: number) {
    const before = (await this.get(job.id))?.status;
    const replaced = await super.replace(job, expectedVersion);
    if (replaced && before !== job.status) this.statuses.set(job.clientRequestToken, [...(this.statuses.get(job.clientRequestToken) ?? []), job.status]);
    if (replaced) this.notify(job.id);
    return replaced;
  }
  watch(onChange: (id: string) => void): () => void {
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }
  private notify(id: string): void {
    for (const w of this.watchers) queueMicrotask(() => w(id));
  }
}

describe("pre-emption across engines sharing a job store and a lease store", () => {
  it("takes each step once: one engine writes Pausing, one Paused, one the resume; every task runs once", async () => {
    const clock = new ManualClock();
    const store = new FeedJobStore();
    const leases = new MemoryWorkLeases();
    const memory = new MemoryObjectStore({ clock });
    const lowKeys = Array.from({ length: 6 }, (_, i) => `low-${i}`);
    const highKeys = Array.from({ length: 6 }, (_, i) => `high-${i}`);
    await seedObjects(memory, "data", [...lowKeys, ...highKeys]);
    // Each side as one process: its own JobService over the shared stores, one task slot.
    const side = (owner: string) => {
      const jobs = new JobService({ store, clock, ids: new SequentialIds(), policies: [PREEMPTING] });
      const objects = new FaultInjectingStore(memory);
      const engine = new Engine({ jobs, objects, clock, leases, owner, unitSize: 3, concurrency: 1 });
      const low = objects.hold({ operations: "putTagging", key: /^low-/ });
      const high = objects.hold({ operations: "putTagging", key: /^high-/ });
      return { jobs, objects, engine, low, high };
    };
    const a = side("a");
    const b = side("b");
    const tenant = { dialect: "default", account: "123456789012", region: "us-east-1" };
    const create = async (name: string, keys: string[], priority: number) => {
      const manifest = await seedManifest(memory, { bucket: "manifests", key: `${name}.csv` }, keys.map((k) => ["data", k] as const));
      const input: CreateJobInput = { clientRequestToken: name, priority, confirmationRequired: false, role: "r", operation: { type: "putTagging", tags: [] }, manifest, report: { enabled: false } };
      return (await a.jobs.createJob(tenant, input)).job;
    };
    a.engine.start();
    try {
      const low = await create("low", lowKeys, 1);
      await a.low.arrived(1); // a runs the low job's first unit
      const high = await create("high", highKeys, 5);
      await whenJob(a.jobs, high.id, (j) => j.status === "Ready"); // queued on a, whose slot is taken
      b.engine.start(); // b finds both: it starts the high job, and the low one waits there
      await b.high.arrived(1);
      b.low.release();
      a.low.release(); // a's slot comes free: it goes to the high job too
      await a.high.arrived(1);
      expect((await a.jobs.get(low.id))!.status).toBe("Active");

      // Starved on both engines: a, which holds its only unit, pauses it; b (holding none) does not.
      clock.advance(PAUSE_AFTER_MS);
      await whenJob(a.jobs, low.id, (j) => j.status === "Paused");
      expect(await leases.summary(low.id, clock.now())).toMatchObject({ leased: 0 });

      a.high.release();
      b.high.release();
      const done = await whenJob(a.jobs, low.id, (j) => j.status === "Complete");
      expect(done.progress).toMatchObject({ total: 6, succeeded: 6, failed: 0 });
      expect((await a.jobs.get(high.id))!.status).toBe("Complete");
      // Each transition written once, though both engines ran the job and took its steps.
      expect(store.statuses.get("low")).toEqual(["Preparing", "Ready", "Active", "Pausing", "Paused", "Active", "Completing", "Complete"]);
      // Every low task ran once, on one engine or the other.
      const ran = [...a.objects.calls, ...b.objects.calls].filter((c) => c.operation === "putTagging" && c.key!.startsWith("low-")).map((c) => c.key);
      expect(ran.sort()).toEqual(lowKeys);
    } finally {
      await a.engine.stop();
      await b.engine.stop();
    }
  });
});
