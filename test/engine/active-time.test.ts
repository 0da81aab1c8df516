import { describe, expect, it } from "vitest";
import { Engine } from "../../src/core/engine/index.js";
import { elapsedActiveSeconds } from "../../src/core/model/job.js";
import { JobService } from "../../src/index.js";
import { FaultInjectingStore } from "../../src/testing/index.js";
import { bedWith } from "./support.js";

const keys = Array.from({ length: 30 }, (_, i) => `obj-${String(i).padStart(2, "0")}`);

describe("active time (ElapsedTimeInActiveSeconds)", () => {
  it("counts only the time a job ran in an engine, not the time the process was down", async () => {
    const bed = await bedWith(keys, { engine: { concurrency: 1, checkpointEvery: 10 } });
    const first = bed.faults.hold({ operations: "putTagging", key: "obj-25" });
    const created = await bed.job();
    void bed.runUntilIdle();
    await first.arrived(1);
    await bed.whenJob(created.id, (j) => (j.checkpoint as { position?: number } | undefined)?.position === 20);
    // The process dies here (the first engine is frozen) and stays down for 100 s.
    bed.clock.advance(100_000);

    const jobs = new JobService({ store: bed.jobStore, clock: bed.clock, ids: bed.ids });
    const objects = new FaultInjectingStore(bed.objects);
    const second = objects.hold({ operations: "putTagging", key: "obj-28" });
    const engine = new Engine({ jobs, objects, clock: bed.clock, concurrency: 1, checkpointEvery: 10 });
    const run = engine.runUntilIdle();
    await second.arrived(1);
    // 4 s of running in the second engine.
    bed.clock.advance(4_000);
    second.release();
    await run;

    const job = await jobs.describeJob(bed.tenant, created.id);
    expect(job.status).toBe("Complete");
    // The 100 s down are not active time.
    expect(elapsedActiveSeconds(job.progress, bed.clock.now())).toBe(4);
  });
});
