import { describe, expect, it } from "vitest";
import { bedWith, statusLog } from "./support.js";

const keys = (n: number) => Array.from({ length: n }, (_, i) => `obj-${String(i).padStart(5, "0")}`);

describe("failure threshold", () => {
  it("fails the job once at least 1,000 tasks ran and more than half failed", async () => {
    const bed = await bedWith(keys(1500), { engine: { concurrency: 8 }, seed: 7 });
    // Seeded: the same calls fail on every run. Not transient (403), so nothing is retried.
    bed.faults.failFraction(0.6, { code: "AccessDenied", status: 403 }, "putTagging");
    const seen = statusLog(bed);
    const created = await bed.job();
    await bed.runUntilIdle();

    const job = await bed.describe(created.id);
    expect(seen).toEqual(["Preparing", "Ready", "Active", "Failing", "Failed"]);
    expect(job.status).toBe("Failed");
    const { succeeded, failed } = job.progress as { succeeded: number; failed: number };
    const ran = succeeded + failed;
    // It stopped soon after the 1,000th task: only the tasks in flight then finished.
    expect(ran).toBeGreaterThanOrEqual(1000);
    expect(ran).toBeLessThanOrEqual(1000 + 8);
    expect(failed / ran).toBeGreaterThan(0.5);
    expect(job.failureReasons).toEqual([
      {
        code: "TaskFailureThresholdExceeded",
        reason: expect.stringMatching(/^\d+ of the \d+ tasks run failed, more than 50% after at least 1000 tasks$/),
      },
    ]);
    // The report of a failed job holds every task that ran.
    const report = await bed.readReport(job);
    expect(report!.rows).toHaveLength(ran);
    expect(report!.rows.filter((r) => r.status === "failed")).toHaveLength(failed);
  });

  it("does not fail a job whose failures stay at or below half, nor a small job that fails entirely", async () => {
    const bed = await bedWith(keys(1200), { seed: 3 });
    bed.faults.failFraction(0.4, { code: "AccessDenied", status: 403 }, "putTagging");
    const big = await bed.job();
    await bed.runUntilIdle();
    expect((await bed.describe(big.id)).status).toBe("Complete");

    const small = await bedWith(keys(50));
    small.faults.failOperations("putTagging", { code: "AccessDenied", status: 403 });
    const all = await small.job();
    await small.runUntilIdle();
    const job = await small.describe(all.id);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ succeeded: 0, failed: 50 });
  });

  // The boundaries, one task at a time so that the check runs after every task: the rule applies
  // from the 1,000th task on ("at least"), and only to "more than" half failed.
  async function oneAtATime(tasks: number, failing: number) {
    const bed = await bedWith(keys(tasks), { engine: { concurrency: 1 } });
    const last = `obj-${String(failing).padStart(5, "0")}`;
    bed.faults.fail({ operations: "putTagging", key: (k) => k < last, error: { code: "AccessDenied", status: 403 } });
    const created = await bed.job();
    await bed.runUntilIdle();
    return bed.describe(created.id);
  }

  it("does not fail a job with exactly half of 1,000 tasks failed", async () => {
    const job = await oneAtATime(1000, 500);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ succeeded: 500, failed: 500 });
    expect(job.failureReasons).toEqual([]);
  });

  it("fails a job with one more than half of 1,000 tasks failed, at the 1,000th task", async () => {
    const job = await oneAtATime(1001, 501);
    expect(job.status).toBe("Failed");
    expect(job.progress).toMatchObject({ succeeded: 499, failed: 501 });
    expect(job.failureReasons).toEqual([
      { code: "TaskFailureThresholdExceeded", reason: "501 of the 1000 tasks run failed, more than 50% after at least 1000 tasks" },
    ]);
  });

  it("takes its limits from the engine's options", async () => {
    const bed = await bedWith(keys(20), { engine: { concurrency: 1, failureThreshold: { minTasks: 10, maxFailureRatio: 0.2 } } });
    bed.faults.fail({ operations: "putTagging", key: (k) => k < "obj-00003", error: { code: "AccessDenied", status: 403 } });
    const created = await bed.job();
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Failed");
    // 3 failures of 10 tasks is 30% > 20%, at the 10th task; concurrency 1, so nothing else ran.
    expect(job.progress).toMatchObject({ succeeded: 7, failed: 3 });
  });
});
