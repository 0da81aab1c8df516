import { describe, expect, it } from "vitest";
import { bedWith, DATA } from "./support.js";

describe("retries", () => {
  it("retries a task whose store call fails transiently, with exponential backoff on the ManualClock", async () => {
    const bed = await bedWith(["a", "b"], { engine: { retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 } } });
    const fault = bed.faults.fail({ operations: "putTagging", key: "a", times: 3, error: { code: "SlowDown", status: 503 } });
    const created = await bed.job();
    const start = bed.clock.now();
    await bed.runUntilIdle();

    const job = await bed.describe(created.id);
    expect(fault.hits).toBe(3);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ succeeded: 2, failed: 0 });
    expect(await bed.objects.getTagging({ bucket: DATA, key: "a" })).toEqual([{ key: "migrated", value: "yes" }]);
    // Waits of 100, 200 and 400 ms: the clock moved to each retry and no further.
    expect(bed.clock.now() - start).toBe(700);
  });

  it("fails the task with the last error once the attempts run out", async () => {
    const bed = await bedWith(["a", "b"], { engine: { retry: { maxAttempts: 3, baseDelayMs: 50 } } });
    const fault = bed.faults.fail({ operations: "putTagging", key: "a", error: { code: "InternalError", status: 500, message: "We encountered an internal error" } });
    const created = await bed.job();
    await bed.runUntilIdle();

    expect(fault.hits).toBe(3);
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    const report = await bed.readReport(job);
    expect(report!.rows.filter((r) => r.status === "failed").map((r) => [r.key, r.httpStatus, r.errorCode, r.message])).toEqual([
      ["a", 500, "InternalError", "We encountered an internal error"],
    ]);
  });

  it("does not retry an error that is not transient", async () => {
    const bed = await bedWith(["a"]);
    const fault = bed.faults.fail({ operations: "putTagging", error: { code: "AccessDenied", status: 403 } });
    const created = await bed.job();
    const start = bed.clock.now();
    await bed.runUntilIdle();
    expect(fault.hits).toBe(1);
    expect(bed.clock.now()).toBe(start);
    expect((await bed.describe(created.id)).progress).toMatchObject({ succeeded: 0, failed: 1 });
  });

  it("treats RequestTimeout and throttling codes as transient whatever their status", async () => {
    const bed = await bedWith(["a", "b"]);
    const timeouts = bed.faults.fail({ operations: "putTagging", key: "a", times: 1, error: { code: "RequestTimeout", status: 400 } });
    const throttles = bed.faults.fail({ operations: "putTagging", key: "b", times: 1, error: { code: "SlowDown", status: 503 } });
    const created = await bed.job();
    await bed.runUntilIdle();
    expect([timeouts.hits, throttles.hits]).toEqual([1, 1]);
    expect((await bed.describe(created.id)).progress).toMatchObject({ succeeded: 2, failed: 0 });
  });
});
