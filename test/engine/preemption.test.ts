import { describe, expect, it } from "vitest";
import { definePolicy, elapsedActiveSeconds, type CreateJobInput, type Job } from "../../src/index.js";
import { createTestBed, seedManifest, seedObjects, type TestBedOptions } from "../../src/testing/index.js";
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
