import { describe, expect, it } from "vitest";
import { definePolicy, type ObjectRule } from "../../src/core/jobs/policy.js";
import { bedWith, DATA } from "./support.js";

/** A provider-neutral rule: objects of the class COLD may not be tagged. */
const noColdTagging: ObjectRule<"putTagging"> = (op, object) =>
  object.storageClass === "COLD" ? { code: "InvalidObjectClass", status: 409, message: `${op.tags.length} tags refused for a COLD object of ${object.size} bytes` } : undefined;

describe("a policy's per-object rule", () => {
  it("reads each object's head, fails the tasks it refuses with its code, status and message, and runs the others", async () => {
    const bed = await bedWith(["warm"], { policies: [definePolicy({ name: "default", objectRules: { putTagging: noColdTagging } })] });
    await bed.objects.put({ bucket: DATA, key: "cold", body: "12345", storageClass: "COLD" });
    await bed.objects.put({ bucket: "manifests", key: "manifest.csv", body: `${DATA},warm\n${DATA},cold\n${DATA},gone\n` });
    const job = await bed.job({ manifest: { ...bed.manifest, location: { bucket: "manifests", key: "manifest.csv" } } });
    await bed.runUntilIdle();
    expect((await bed.describe(job.id)).progress).toMatchObject({ total: 3, succeeded: 1, failed: 2 });
    const rows = (await bed.readReport(job))!.rows.map((r) => [r.key, r.status, r.httpStatus, r.errorCode, r.message]);
    expect(rows.sort()).toEqual([
      ["cold", "failed", 409, "InvalidObjectClass", "1 tags refused for a COLD object of 5 bytes"],
      ["gone", "failed", 404, "NoSuchKey", expect.any(String)],
      ["warm", "succeeded", 200, "", "Successful"],
    ]);
    expect(await bed.objects.getTagging({ bucket: DATA, key: "cold" })).toEqual([]);
    expect(bed.faults.calls.filter((c) => c.operation === "putTagging").map((c) => c.key)).toEqual(["warm"]);
  });

  it("costs no call for an operation without a rule", async () => {
    const bed = await bedWith(["a", "b"], { policies: [definePolicy({ name: "default", objectRules: { restore: () => ({ code: "X", status: 400, message: "never" }) } })] });
    const job = await bed.job();
    await bed.runUntilIdle();
    expect((await bed.describe(job.id)).progress).toMatchObject({ succeeded: 2, failed: 0 });
    expect(bed.faults.calls.filter((c) => c.operation === "head" && c.bucket === DATA)).toEqual([]);
  });
});
