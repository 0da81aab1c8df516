import { describe, expect, it } from "vitest";
import type { Job } from "../../src/index.js";
import { definePolicy } from "../../src/core/jobs/policy.js";
import { bedWith, DATA, statusLog } from "./support.js";

describe("lifecycle", () => {
  it("runs a job without confirmation: New → Preparing → Ready → Active → Completing → Complete", async () => {
    const bed = await bedWith(["a", "b", "c"]);
    const seen = statusLog(bed);
    const created = await bed.job();
    expect(created.status).toBe("New");

    await bed.runUntilIdle();

    expect(seen).toEqual(["Preparing", "Ready", "Active", "Completing", "Complete"]);
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ total: 3, succeeded: 3, failed: 0, activeSince: null });
    expect(job.terminationDate).toBe(bed.clock.now());
    expect(job.failureReasons).toEqual([]);
    for (const key of ["a", "b", "c"]) {
      expect(await bed.objects.getTagging({ bucket: DATA, key })).toEqual([{ key: "migrated", value: "yes" }]);
    }
  });

  it("stops in Suspended when confirmation is required, with the counted total, and runs once confirmed", async () => {
    const bed = await bedWith(["a", "b"]);
    const seen = statusLog(bed);
    const created = await bed.job({ confirmationRequired: true });

    await bed.runUntilIdle();
    let job = await bed.describe(created.id);
    expect(job.status).toBe("Suspended");
    expect(job.suspendedDate).toBe(bed.clock.now());
    expect(job.progress).toMatchObject({ total: 2, succeeded: 0, failed: 0 });
    expect(await bed.objects.getTagging({ bucket: DATA, key: "a" })).toEqual([]);

    bed.clock.advance(60_000);
    await bed.jobs.updateJobStatus(bed.tenant, created.id, "Ready", "looks right");
    await bed.runUntilIdle();

    job = await bed.describe(created.id);
    expect(seen).toEqual(["Preparing", "Suspended", "Ready", "Active", "Completing", "Complete"]);
    expect(job).toMatchObject({ status: "Complete", statusUpdateReason: "looks right", terminationDate: bed.clock.now() });
    expect(job.progress).toMatchObject({ total: 2, succeeded: 2, failed: 0 });
  });

  it("counts active time while Active and writes progress as tasks finish", async () => {
    const bed = await bedWith(["a", "b", "c", "d"], { engine: { concurrency: 1, checkpointEvery: 1 } });
    const gate = bed.faults.hold({ operations: "putTagging", key: "c" });
    const created = await bed.job();
    const progress: Job["progress"][] = [];
    bed.jobs.subscribe((job, change) => {
      if (change.type === "updated" && job.status === "Active") progress.push(job.progress);
    });

    const run = bed.runUntilIdle();
    await gate.arrived(1);
    // Two tasks done and visible while the third waits.
    const mid = await bed.whenJob(created.id, (j) => j.progress.succeeded === 2);
    expect(mid.status).toBe("Active");
    expect(mid.progress).toMatchObject({ succeeded: 2, failed: 0, activeSince: bed.clock.now() });
    bed.clock.advance(5_000);
    gate.release();
    await run;

    const job = await bed.describe(created.id);
    expect(job.progress).toMatchObject({ total: 4, succeeded: 4, activeMs: 5_000, activeSince: null });
    // Written while the job ran (writes coalesce while one is under way), never going back.
    const counts = progress.map((p) => p.succeeded!);
    expect(counts).toContain(2);
    expect(counts.at(-1)).toBe(4);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
  });

  it("cancels a Suspended job at once, with no task run and no report", async () => {
    const bed = await bedWith(["a"]);
    const created = await bed.job({ confirmationRequired: true });
    await bed.runUntilIdle();
    await bed.jobs.updateJobStatus(bed.tenant, created.id, "Cancelled", "not needed");
    await bed.runUntilIdle();

    const job = await bed.describe(created.id);
    expect(job).toMatchObject({ status: "Cancelled", terminationDate: bed.clock.now() });
    expect(await bed.objects.getTagging({ bucket: DATA, key: "a" })).toEqual([]);
    expect(await bed.readReport(job)).toBeUndefined();
  });

  it("cancels an Active job: in-flight tasks finish, no new task starts, the report holds what ran", async () => {
    const keys = ["k1", "k2", "k3", "k4", "k5", "k6"];
    const bed = await bedWith(keys, { engine: { concurrency: 2 } });
    const gate = bed.faults.hold({ operations: "putTagging" });
    const seen = statusLog(bed);
    const created = await bed.job();

    const run = bed.runUntilIdle();
    await gate.arrived(2);
    const cancelling = await bed.jobs.updateJobStatus(bed.tenant, created.id, "Cancelled", "stop it");
    expect(cancelling.status).toBe("Cancelling");
    gate.release();
    await run;

    const job = await bed.describe(created.id);
    expect(seen).toEqual(["Preparing", "Ready", "Active", "Cancelling", "Cancelled"]);
    expect(job).toMatchObject({ status: "Cancelled", terminationDate: bed.clock.now() });
    expect(job.progress).toMatchObject({ total: 6, succeeded: 2, failed: 0 });
    const tagged = bed.faults.calls.filter((c) => c.operation === "putTagging").map((c) => c.key);
    expect(tagged).toEqual(["k1", "k2"]);
    const report = await bed.readReport(job);
    expect(report?.rows.map((r) => [r.key, r.status])).toEqual([
      ["k1", "succeeded"],
      ["k2", "succeeded"],
    ]);
  });

  it("drops a job cancelled while it is being prepared", async () => {
    const bed = await bedWith(["a", "b"]);
    const gate = bed.faults.hold({ operations: "get", bucket: "manifests" });
    const created = await bed.job();
    const run = bed.runUntilIdle();
    await gate.arrived(1);
    expect((await bed.describe(created.id)).status).toBe("Preparing");
    await bed.jobs.updateJobStatus(bed.tenant, created.id, "Cancelled");
    gate.release();
    await run;

    const job = await bed.describe(created.id);
    expect(job.status).toBe("Cancelled");
    expect(bed.faults.calls.filter((c) => c.operation === "putTagging")).toEqual([]);
  });

  describe("under a policy that confirms from Preparing and always cancels through Cancelling", () => {
    const policy = definePolicy({ name: "lenient", confirmFrom: ["Suspended", "Preparing"], cancelImmediatelyFrom: [] });
    const tenant = { dialect: "lenient", account: "123456789012", region: "r" };

    it("records the totals of a job confirmed while its manifest was being counted, then runs it", async () => {
      const bed = await bedWith(["a", "b", "c"], { policies: [policy], tenant });
      const gate = bed.faults.hold({ operations: "get", bucket: "manifests" });
      const created = await bed.job({ confirmationRequired: true });
      const run = bed.runUntilIdle();
      await gate.arrived(1);
      const confirmed = await bed.jobs.updateJobStatus(bed.tenant, created.id, "Ready");
      expect(confirmed.progress.total).toBeNull();
      gate.release();
      await run;

      const job = await bed.describe(created.id);
      expect(job.status).toBe("Complete");
      expect(job.progress).toMatchObject({ total: 3, succeeded: 3, failed: 0 });
    });

    it("finishes a job cancelled while New through Cancelling, though it never ran", async () => {
      const bed = await bedWith(["a"], { policies: [policy], tenant });
      const seen = statusLog(bed);
      const created = await bed.job();
      await bed.jobs.updateJobStatus(bed.tenant, created.id, "Cancelled");
      await bed.runUntilIdle();

      const job = await bed.describe(created.id);
      expect(seen).toEqual(["Cancelling", "Cancelled"]);
      expect(job.status).toBe("Cancelled");
      expect(job.terminationDate).toBe(bed.clock.now());
      expect(await bed.readReport(job)).toBeUndefined();
      expect(await bed.objects.getTagging({ bucket: DATA, key: "a" })).toEqual([]);
    });
  });

  it("completes a job with an empty manifest, running nothing and writing no report", async () => {
    const bed = await bedWith([], { rows: [] });
    const created = await bed.job();
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ total: 0, succeeded: 0, failed: 0 });
    expect(await bed.readReport(job)).toBeUndefined();
  });
});
