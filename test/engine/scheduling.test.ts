import { describe, expect, it } from "vitest";
import { createTestBed, seedManifest, seedObjects } from "../../src/testing/index.js";
import type { CreateJobInput } from "../../src/index.js";

async function twoJobs(engine: { concurrency?: number; perJobConcurrency?: number } = {}) {
  const bed = createTestBed({ engine });
  const low = Array.from({ length: 5 }, (_, i) => `low-${i}`);
  const high = Array.from({ length: 5 }, (_, i) => `high-${i}`);
  await seedObjects(bed.objects, "data", [...low, ...high]);
  await bed.objects.createBucket("reports");
  const input = async (name: string, keys: string[], priority: number): Promise<CreateJobInput> => ({
    clientRequestToken: name,
    priority,
    confirmationRequired: true,
    role: "r",
    operation: { type: "putTagging", tags: [{ key: "by", value: name }] },
    manifest: await seedManifest(bed.objects, { bucket: "manifests", key: `${name}.csv` }, keys.map((k) => ["data", k] as const)),
    report: { enabled: false },
  });
  const lowJob = await bed.createJob(await input("low", low, 1));
  const highJob = await bed.createJob(await input("high", high, 5));
  await bed.runUntilIdle();
  const order = () => bed.faults.calls.filter((c) => c.operation === "putTagging").map((c) => c.key!);
  return { bed, lowJob, highJob, order };
}

describe("scheduling", () => {
  it("dispatches the higher priority first", async () => {
    const { bed, lowJob, highJob, order } = await twoJobs({ concurrency: 1 });
    // Confirmed low first: priority, not order of arrival, decides.
    await bed.jobs.updateJobStatus(bed.tenant, lowJob.id, "Ready");
    await bed.jobs.updateJobStatus(bed.tenant, highJob.id, "Ready");
    await bed.runUntilIdle();
    expect(order()).toEqual(["high-0", "high-1", "high-2", "high-3", "high-4", "low-0", "low-1", "low-2", "low-3", "low-4"]);
    expect((await bed.describe(lowJob.id)).status).toBe("Complete");
    expect((await bed.describe(highJob.id)).status).toBe("Complete");
  });

  it("applies a priority change at the next dispatch", async () => {
    const { bed, lowJob, highJob, order } = await twoJobs({ concurrency: 1 });
    const gate = bed.faults.hold({ operations: "putTagging", key: "high-1" });
    await bed.jobs.updateJobStatus(bed.tenant, lowJob.id, "Ready");
    await bed.jobs.updateJobStatus(bed.tenant, highJob.id, "Ready");
    const run = bed.runUntilIdle();
    await gate.arrived(1);
    await bed.jobs.updateJobPriority(bed.tenant, lowJob.id, 9);
    gate.release();
    await run;
    expect(order()).toEqual(["high-0", "high-1", "low-0", "low-1", "low-2", "low-3", "low-4", "high-2", "high-3", "high-4"]);
  });

  it("keeps tasks in flight within the engine's and each job's bounds", async () => {
    const { bed, lowJob, highJob } = await twoJobs({ concurrency: 3, perJobConcurrency: 2 });
    const gate = bed.faults.hold({ operations: "putTagging" });
    await bed.jobs.updateJobStatus(bed.tenant, lowJob.id, "Ready");
    await bed.jobs.updateJobStatus(bed.tenant, highJob.id, "Ready");
    const run = bed.runUntilIdle();
    await gate.arrived(3);
    // Two of the high job (its bound), the third slot to the low job, and nothing more.
    expect(gate.waiting).toBe(3);
    const waiting = bed.faults.calls.filter((c) => c.operation === "putTagging").map((c) => c.key);
    expect(waiting).toEqual(["high-0", "high-1", "low-0"]);
    gate.release();
    await run;
    expect((await bed.describe(lowJob.id)).progress.succeeded).toBe(5);
    expect((await bed.describe(highJob.id)).progress.succeeded).toBe(5);
  });

  it("leaves a lower-priority job Ready while a higher one uses every slot", async () => {
    const { bed, lowJob, highJob } = await twoJobs({ concurrency: 2 });
    const gate = bed.faults.hold({ operations: "putTagging" });
    await bed.jobs.updateJobStatus(bed.tenant, highJob.id, "Ready");
    await bed.jobs.updateJobStatus(bed.tenant, lowJob.id, "Ready");
    const run = bed.runUntilIdle();
    await gate.arrived(2);
    expect((await bed.describe(highJob.id)).status).toBe("Active");
    expect((await bed.describe(lowJob.id)).status).toBe("Ready");
    gate.release();
    await run;
    expect((await bed.describe(lowJob.id)).status).toBe("Complete");
  });
});
