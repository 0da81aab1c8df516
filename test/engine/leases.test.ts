import { describe, expect, it } from "vitest";
import { Engine, JobService, MemoryJobStore, MemoryObjectStore, type Operation } from "../../src/index.js";
import { SequentialIds } from "../../src/core/ids.js";
import { MemoryWorkLeases } from "../../src/stores/memory-work-leases.js";
import { faulty, FaultInjectingStore, ManualClock, readReport, seedManifest, seedObjects } from "../../src/testing/index.js";
import { bedWith } from "./support.js";

const keys = Array.from({ length: 6 }, (_, i) => `k${i}`);
const TENANT = { dialect: "default", account: "123456789012", region: "us-east-1" };

/** Two engines over one job store and one lease store, each with its own JobService (as two processes would). */
async function twoEngines() {
  const clock = new ManualClock();
  const store = new MemoryJobStore();
  const shared = new MemoryWorkLeases();
  const memory = new MemoryObjectStore({ clock });
  await seedObjects(memory, "data", keys);
  await memory.createBucket("reports");
  const manifest = await seedManifest(memory, { bucket: "manifests", key: "m.csv" }, keys.map((k) => ["data", k] as const));
  const side = (owner: string, leases = shared) => {
    const jobs = new JobService({ store, clock, ids: new SequentialIds() });
    const objects = new FaultInjectingStore(memory);
    const engine = new Engine({ jobs, objects, clock, leases, owner, unitSize: 3, concurrency: 1, checkpointEvery: 1 });
    const tagged = () => objects.calls.filter((c) => c.operation === "putTagging").map((c) => c.key);
    return { jobs, objects, engine, tagged };
  };
  const input = {
    clientRequestToken: "t",
    priority: 1,
    confirmationRequired: false,
    role: "r",
    operation: { type: "putTagging", tags: [{ key: "k", value: "v" }] } as Operation,
    manifest,
    report: { enabled: true, bucket: "reports", prefix: "r", scope: "AllTasks" as const },
  };
  return { clock, store, shared, memory, manifest, input, side };
}

describe("work leases across engines", () => {
  it("an engine whose lease ran out stops working on its unit; the new holder resumes after its last step", async () => {
    const world = await twoEngines();
    // Engine a is cut off from the lease store for renewals (a partition): it cannot keep its lease.
    const cutOff = faulty(world.shared);
    cutOff.faults.fail({ methods: "renew", error: () => new Error("network unreachable") });
    const a = world.side("a", cutOff);
    const b = world.side("b");
    const gate = a.objects.hold({ operations: "putTagging", key: "k1" });
    const { job } = await a.jobs.createJob(TENANT, world.input);
    const runA = a.engine.runUntilIdle();
    await gate.arrived(1);

    // b takes the free unit at once and the held one once a's lease expired (the clock moves there).
    await b.engine.runUntilIdle();
    const done = (await b.jobs.get(job.id))!;
    expect(done.status).toBe("Complete");
    expect(b.tagged()).toEqual(["k3", "k4", "k5", "k1", "k2"]);

    // a's task comes back: its step is refused, it records nothing and starts nothing more of the unit.
    gate.release();
    await runA;
    expect(a.tagged()).toEqual(["k0", "k1"]);
    const report = (await readReport(world.memory, done))!;
    expect(report.rows.map((r) => r.key)).toEqual(keys);
    expect(done.progress).toMatchObject({ total: 6, succeeded: 6, failed: 0 });
    // The job's units and rows are gone from the lease store once its report is written.
    expect(await world.shared.jobs()).toEqual([]);
  });

  it("two engines share a job's units: every task runs once, the report follows the manifest", async () => {
    const world = await twoEngines();
    const a = world.side("a");
    const b = world.side("b");
    const { job } = await a.jobs.createJob(TENANT, world.input);
    const gate = a.objects.hold({ operations: "putTagging", key: "k0" });
    const gateB = b.objects.hold({ operations: "putTagging" });
    const runA = a.engine.runUntilIdle();
    await gate.arrived(1);
    // While a works on the first unit, b claims the next one.
    const runB = b.engine.runUntilIdle();
    await gateB.arrived(1);
    gate.release();
    gateB.release();
    await Promise.all([runA, runB]);
    await a.engine.runUntilIdle();
    const done = (await a.jobs.get(job.id))!;
    expect(done.status).toBe("Complete");
    expect([...a.tagged(), ...b.tagged()].sort()).toEqual(keys);
    expect(a.tagged().length).toBeGreaterThan(0);
    expect(b.tagged().length).toBeGreaterThan(0);
    expect((await readReport(world.memory, done))!.rows.map((r) => r.key)).toEqual(keys);
  });

  it("writes a job's report in one engine at a time: another engine's step lease is waited out", async () => {
    const world = await twoEngines();
    const a = world.side("a");
    const { job } = await a.jobs.createJob(TENANT, world.input);
    // Another engine ("x") is writing this job's report, as far as the lease store knows.
    const step = `${job.id}#step:report`;
    await world.shared.plan(step, [{ start: 0, end: 1 }]);
    const start = world.clock.now();
    const [held] = await world.shared.claim(step, { owner: "x", limit: 1, leaseMs: 30_000, now: start });
    const seen: string[] = [];
    a.jobs.subscribe((j, change) => change.type === "status" && seen.push(`${j.status}@${world.clock.now() - start}`));
    await a.engine.runUntilIdle();
    // a waited in Completing until x's lease ran out, then wrote the report and completed.
    expect(seen.slice(-2)).toEqual(["Completing@0", `Complete@${held!.expiresAt - start}`]);
    const done = (await a.jobs.get(job.id))!;
    expect((await readReport(world.memory, done))!.rows.map((r) => r.key)).toEqual(keys);
    const puts = a.objects.calls.filter((c) => c.operation === "put" && c.bucket === "reports");
    expect(puts).toHaveLength(2);
    expect(await world.shared.jobs()).toEqual([]);
  });
});

describe("one engine's leases", () => {
  it("are renewed all the way when the clock jumps far while a task is held: nothing runs twice", async () => {
    const bed = await bedWith(["a", "b", "c", "d"], { engine: { concurrency: 1, leaseMs: 30_000 } });
    const gate = bed.faults.hold({ operations: "putTagging", key: "b" });
    const created = await bed.job();
    const run = bed.runUntilIdle();
    await gate.arrived(1);
    bed.clock.advance(120_000);
    gate.release();
    await run;
    expect((await bed.describe(created.id)).status).toBe("Complete");
    expect(bed.faults.calls.filter((c) => c.operation === "putTagging").map((c) => c.key)).toEqual(["a", "b", "c", "d"]);
  });
});

describe("owner ids", () => {
  it("default to one fixed id over a one-process lease store, and to a fresh one over a shared store", async () => {
    const bed = await bedWith(["a"]);
    const local = new Engine({ jobs: bed.jobs, objects: bed.objects, clock: bed.clock });
    const shared = Object.assign(new MemoryWorkLeases(), { shared: true });
    const one = new Engine({ jobs: bed.jobs, objects: bed.objects, clock: bed.clock, leases: shared });
    const two = new Engine({ jobs: bed.jobs, objects: bed.objects, clock: bed.clock, leases: shared });
    expect(local.owner).toBe("local");
    expect(one.owner).toMatch(/^engine-/);
    expect(two.owner).not.toBe(one.owner);
  });
});
