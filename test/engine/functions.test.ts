import { describe, expect, it } from "vitest";
import type { FunctionInvocation, FunctionInvoker } from "../../src/index.js";
import { bedWith } from "./support.js";

describe("invoke-function jobs", () => {
  it("hands each object to the FunctionInvoker, retries TemporaryFailure with backoff, reports resultString", async () => {
    const calls: FunctionInvocation[] = [];
    let flaky = 0;
    const functions: FunctionInvoker = {
      async invoke(call) {
        calls.push(call);
        if (call.object.key === "flaky" && ++flaky < 3) return { resultCode: "TemporaryFailure", resultString: "busy" };
        if (call.object.key === "bad") return { resultCode: "PermanentFailure", resultString: "cannot process bad" };
        return { resultCode: "Succeeded", resultString: `{"processed":"${call.object.key}"}` };
      },
    };
    const bed = await bedWith(["good", "flaky", "bad"], { engine: { functions, concurrency: 1 } });
    const created = await bed.job({ operation: { type: "invokeFunction", functionId: "thumbnailer", schemaVersion: "2.0", userArguments: { size: "small" } } });
    const start = bed.clock.now();
    await bed.runUntilIdle();

    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ succeeded: 2, failed: 1 });
    expect(calls.map((c) => c.object.key)).toEqual(["good", "flaky", "flaky", "flaky", "bad"]);
    expect(calls[0]).toEqual({
      functionId: "thumbnailer",
      schemaVersion: "2.0",
      userArguments: { size: "small" },
      jobId: job.id,
      taskId: "0",
      object: { bucket: "data", key: "good" },
    });
    expect(bed.clock.now() - start).toBe(300);
    const report = await bed.readReport(job);
    expect(report!.rows.map((r) => [r.key, r.status, r.httpStatus, r.errorCode, r.message])).toEqual([
      ["good", "succeeded", 200, "", '{"processed":"good"}'],
      ["flaky", "succeeded", 200, "", '{"processed":"flaky"}'],
      ["bad", "failed", 200, "PermanentFailure", "cannot process bad"],
    ]);
  });

  it("fails every task with FunctionInvokerNotConfigured when the engine has no invoker, and the job goes on", async () => {
    const bed = await bedWith(["a", "b"]);
    const created = await bed.job({ operation: { type: "invokeFunction", functionId: "fn" } });
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    const report = await bed.readReport(job);
    expect(new Set(report!.rows.map((r) => `${r.httpStatus} ${r.errorCode}`))).toEqual(new Set(["501 FunctionInvokerNotConfigured"]));
  });
});
