import { describe, expect, it } from "vitest";
import { Engine } from "../../src/core/engine/index.js";
import { JobService } from "../../src/index.js";
import { FaultInjectingStore } from "../../src/testing/index.js";
import { bedWith, DATA } from "./support.js";

const keys = Array.from({ length: 30 }, (_, i) => `obj-${String(i).padStart(2, "0")}`);

describe("checkpoints and resuming", () => {
  it("a new engine resumes an Active job after its last checkpoint: no row lost or doubled, checkpointed tasks not run again", async () => {
    const bed = await bedWith(keys, { engine: { concurrency: 1, checkpointEvery: 10 } });
    const gate = bed.faults.hold({ operations: "putTagging", key: "obj-25" });
    const created = await bed.job();
    void bed.runUntilIdle();
    await gate.arrived(1);
    const checkpointed = await bed.whenJob(created.id, (j) => (j.checkpoint as { position?: number } | undefined)?.position === 20);
    expect(checkpointed.status).toBe("Active");
    // The first engine is frozen here, as if its process had been killed: 25 tasks done, 20 checkpointed.

    const jobs = new JobService({ store: bed.jobStore, clock: bed.clock, ids: bed.ids });
    const objects = new FaultInjectingStore(bed.objects);
    const second = new Engine({ jobs, objects, clock: bed.clock, concurrency: 1, checkpointEvery: 10 });
    await second.runUntilIdle();

    const job = await jobs.describeJob(bed.tenant, created.id);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ total: 30, succeeded: 30, failed: 0 });
    // Tasks after the checkpoint ran again (at least once); the ones before it did not.
    expect(objects.calls.filter((c) => c.operation === "putTagging").map((c) => c.key)).toEqual(keys.slice(20));
    const report = await bed.readReport(job);
    expect(report!.rows.map((r) => r.key)).toEqual(keys);
  });

  it("stop() lets in-flight tasks finish and checkpoints, so the next engine runs exactly the rest", async () => {
    const bed = await bedWith(keys, { engine: { concurrency: 2, checkpointEvery: 1_000 } });
    const gate = bed.faults.hold({ operations: "putTagging", key: (k) => k >= "obj-10" });
    const created = await bed.job();
    bed.engine.start();
    await gate.arrived(2);
    const stopped = bed.engine.stop();
    gate.release();
    await stopped;

    const paused = await bed.describe(created.id);
    expect(paused.status).toBe("Active");
    expect(paused.checkpoint).toMatchObject({ position: 12, succeeded: 12 });
    expect(paused.progress).toMatchObject({ succeeded: 12 });

    const objects = new FaultInjectingStore(bed.objects);
    const next = new Engine({ jobs: bed.jobs, objects, clock: bed.clock });
    await next.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect(objects.calls.filter((c) => c.operation === "putTagging").map((c) => c.key)).toEqual(keys.slice(12));
    expect((await bed.readReport(job))!.rows.map((r) => r.key)).toEqual(keys);
    expect(await bed.objects.getTagging({ bucket: DATA, key: "obj-29" })).toEqual([{ key: "migrated", value: "yes" }]);
  });

  it("start() picks up a job another engine left Active and finishes it on its own", async () => {
    const bed = await bedWith(keys, { engine: { concurrency: 1, checkpointEvery: 5 } });
    const gate = bed.faults.hold({ operations: "putTagging", key: "obj-07" });
    const created = await bed.job();
    void bed.runUntilIdle();
    await gate.arrived(1);
    await bed.whenJob(created.id, (j) => (j.checkpoint as { position?: number } | undefined)?.position === 5);

    const jobs = new JobService({ store: bed.jobStore, clock: bed.clock, ids: bed.ids });
    const server = new Engine({ jobs, objects: bed.objects, clock: bed.clock });
    const done = new Promise((resolve) => jobs.subscribe((job) => job.status === "Complete" && resolve(job.progress)));
    server.start();
    expect(await done).toMatchObject({ total: 30, succeeded: 30, failed: 0 });
    await server.stop();
  });

  it("resumes a job left Paused or Pausing by another engine", async () => {
    const bed = await bedWith(keys.slice(0, 4));
    const created = await bed.job();
    for (const event of ["prepare", "prepared", "start", "pause"] as const) await bed.jobs.advance(created.id, event);
    expect((await bed.describe(created.id)).status).toBe("Pausing");
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ total: 4, succeeded: 4 });
  });

  it("fails a resumed job whose manifest was replaced since it was prepared", async () => {
    const bed = await bedWith(keys.slice(0, 3), { engine: { concurrency: 1 } });
    const gate = bed.faults.hold({ operations: "putTagging", key: "obj-01" });
    const created = await bed.job({ manifest: { ...bed.manifest, location: { bucket: "manifests", key: "manifest.csv" } } });
    void bed.runUntilIdle();
    await gate.arrived(1);
    await bed.objects.put({ bucket: "manifests", key: "manifest.csv", body: `${DATA},obj-02\n` });

    const jobs = new JobService({ store: bed.jobStore, clock: bed.clock, ids: bed.ids });
    await new Engine({ jobs, objects: bed.objects, clock: bed.clock }).runUntilIdle();
    const job = await jobs.describeJob(bed.tenant, created.id);
    expect(job.status).toBe("Failed");
    expect(job.failureReasons).toEqual([{ code: "ManifestChanged", reason: "The manifest object was replaced after the job was prepared" }]);
  });
});
