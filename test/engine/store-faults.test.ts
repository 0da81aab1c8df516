import { describe, expect, it } from "vitest";
import { Engine, JobService, MemoryJobStore, MemoryObjectStore, type Operation } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { SequentialIds } from "../../src/core/ids.js";
import { MemoryWorkLeases } from "../../src/stores/memory-work-leases.js";
import { diskFull, faulty, FaultInjectingStore, readReport, seedManifest, seedObjects, whenJob } from "../../src/testing/index.js";

const keys = Array.from({ length: 12 }, (_, i) => `obj-${String(i).padStart(2, "0")}`);
const TENANT = { dialect: "default", account: "123456789012", region: "us-east-1" };

/** A job over faulty job and lease stores: the engine's writes meet the faults, the user's requests do not (they ran before). */
async function faultyBed(engine: Partial<ConstructorParameters<typeof Engine>[0]> = {}) {
  const clock = new ManualClock();
  const store = faulty(new MemoryJobStore());
  const leases = faulty(new MemoryWorkLeases());
  const jobs = new JobService({ store, clock, ids: new SequentialIds() });
  const memory = new MemoryObjectStore({ clock });
  await seedObjects(memory, "data", keys);
  await memory.createBucket("reports");
  const manifest = await seedManifest(memory, { bucket: "manifests", key: "m.csv" }, keys.map((k) => ["data", k] as const));
  const objects = new FaultInjectingStore(memory);
  const e = new Engine({ jobs, objects, clock, leases, unitSize: 5, concurrency: 2, checkpointEvery: 2, onError: () => undefined, ...engine });
  const create = async () =>
    (
      await jobs.createJob(TENANT, {
        clientRequestToken: "t",
        priority: 1,
        confirmationRequired: false,
        role: "r",
        operation: { type: "putTagging", tags: [{ key: "k", value: "v" }] } as Operation,
        manifest,
        report: { enabled: true, bucket: "reports", prefix: "r", scope: "AllTasks" },
      })
    ).job;
  const tagged = () => objects.calls.filter((c) => c.operation === "putTagging").map((c) => c.key);
  return { clock, store, leases, jobs, memory, objects, engine: e, create, tagged };
}

async function expectWhole(bed: Awaited<ReturnType<typeof faultyBed>>, id: string) {
  const job = (await bed.jobs.get(id))!;
  expect(job.status).toBe("Complete");
  expect(job.failureReasons).toEqual([]);
  expect(job.progress).toMatchObject({ total: keys.length, succeeded: keys.length, failed: 0 });
  const report = (await readReport(bed.memory, job))!;
  expect(report.rows.map((r) => r.key)).toEqual(keys);
  expect(report.files.every((f) => f.md5Matches)).toBe(true);
}

describe("faults of the engine's own stores (issue 12.2, 10.4)", () => {
  it("retries a job write the disk refused (ENOSPC) with backoff until it succeeds: the job moves on, no task lost or doubled", async () => {
    const bed = await faultyBed();
    const created = await bed.create();
    const full = bed.store.faults.fail({ methods: "replace", times: 5, error: diskFull });
    const start = bed.clock.now();
    await bed.engine.runUntilIdle();
    expect(full.hits).toBe(5);
    // Waits of 100, 200, 400, 800 and 1600 ms, each on the clock.
    expect(bed.clock.now() - start).toBe(3_100);
    await expectWhole(bed, created.id);
    expect(bed.tagged()).toEqual(keys);
  });

  it("rides out a lease store that fails mid-run (claims, steps, finishes): every task once, one row each, in order", async () => {
    const bed = await faultyBed();
    const gate = bed.objects.hold({ operations: "putTagging", key: "obj-03" });
    const created = await bed.create();
    const run = bed.engine.runUntilIdle();
    await gate.arrived(1);
    const down = bed.leases.faults.fail({ times: 9, error: () => new Error("Connection terminated unexpectedly") });
    gate.release();
    await run;
    expect(down.hits).toBe(9);
    await expectWhole(bed, created.id);
    expect(bed.tagged()).toEqual(keys);
  });

  it("a server's engine carries on by itself once the database is back, without a restart", async () => {
    const bed = await faultyBed();
    const created = await bed.create();
    bed.store.faults.down();
    bed.leases.faults.down();
    bed.engine.start();
    // A minute of failing attempts, each one waiting longer (up to 5 s).
    for (let i = 0; i < 60; i++) {
      bed.clock.advance(1_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(bed.store.faults.total() + bed.leases.faults.total()).toBeGreaterThan(5);
    bed.store.faults.up();
    bed.leases.faults.up();
    // Nothing moved while the store was away; the next attempt (a timer) finds it back.
    expect((await bed.store.get(created.id))!.status).toBe("New");
    const done = whenJob(bed.jobs, created.id, (j) => j.status === "Complete");
    bed.clock.advance(5_000);
    await done;
    await bed.engine.stop();
    await expectWhole(bed, created.id);
    expect(bed.tagged()).toEqual(keys);
  });
});
