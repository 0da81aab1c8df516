import { describe, expect, it } from "vitest";
import { Engine } from "../../src/index.js";
import { decodePart, encodePart, ReportBucketSpill } from "../../src/core/engine/row-spill.js";
import { defaultWorkLeases } from "../../src/core/leases/memory-work-leases.js";
import { MemoryWorkLeases } from "../../src/stores/memory-work-leases.js";
import { bedWith, listedAt, REPORTS } from "./support.js";

const keys = Array.from({ length: 40 }, (_, i) => `obj-${String(i).padStart(2, "0")}`);
const SPILLED = "reports/batchplane-rows/";

/** A bed whose engine keeps no report rows in memory once a unit finishes (budget 0): every unit spills. */
async function spillingBed(n = keys.length, engine: { checkpointEvery?: number; unitSize?: number; concurrency?: number } = {}) {
  const bed = await bedWith(keys.slice(0, n));
  const leases = new MemoryWorkLeases({ spill: new ReportBucketSpill(bed.faults, bed.jobs), keepChars: 0 });
  const run = new Engine({ checkpointEvery: 3, unitSize: 5, concurrency: 2, ...engine, jobs: bed.jobs, objects: bed.faults, clock: bed.clock, leases });
  return { ...bed, leases, run };
}

const partPuts = (bed: { faults: { calls: { operation: string; key?: string }[] } }) => bed.faults.calls.filter((c) => c.operation === "put" && c.key?.startsWith(SPILLED));

describe("report rows beyond the memory lease store's budget are spilled beside the report (issue 16.2)", () => {
  it("one row a task in manifest order; the parts are never under the report's own prefix and are gone once the job ended", async () => {
    const bed = await spillingBed();
    const created = await bed.job();
    const base = `reports/job-${created.id}/`;
    const atComplete = listedAt(bed, () => created.id, "Complete", REPORTS, () => base);
    await bed.run.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    const report = (await bed.readReport(job))!;
    expect(report.rows.map((r) => r.key)).toEqual(keys);
    expect(await atComplete()).toEqual([report.manifestKey, ...report.files.map((f) => f.key)].sort());
    // Eight units of five, each spilled once (only succeeded rows here).
    expect(partPuts(bed)).toHaveLength(8);
    expect((await bed.objects.list({ bucket: REPORTS, prefix: SPILLED })).objects).toEqual([]);
    expect(await bed.leases.jobs()).toEqual([]);
  });

  it("a part that cannot be written keeps its rows in memory: the job completes with its whole report", async () => {
    const bed = await spillingBed();
    bed.faults.fail({ operations: "put", bucket: REPORTS, key: (k) => k.startsWith(SPILLED), times: 3, error: { code: "AccessDenied", status: 403 } });
    const created = await bed.job();
    await bed.run.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect((await bed.readReport(job))!.rows.map((r) => r.key)).toEqual(keys);
    expect((await bed.objects.list({ bucket: REPORTS, prefix: SPILLED })).objects).toEqual([]);
  });

  it("a part lost from the report bucket before the report is written fails the job with ReportNotWritten, never hangs", async () => {
    const bed = await spillingBed(10);
    bed.faults.fail({ operations: "get", bucket: REPORTS, key: (k) => k.startsWith(SPILLED), error: { code: "NoSuchKey", status: 404, retryable: false } });
    const created = await bed.job();
    await bed.run.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Failed");
    expect(job.failureReasons.map((r) => r.code)).toEqual(["ReportNotWritten"]);
  });

  it("failed tasks' rows are spilled too, each status in its own part", async () => {
    const bed = await spillingBed(10);
    bed.faults.fail({ operations: "putTagging", key: ["obj-03", "obj-07"], error: { code: "AccessDenied", status: 403 } });
    const created = await bed.job();
    await bed.run.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.progress).toMatchObject({ succeeded: 8, failed: 2 });
    const report = (await bed.readReport(job))!;
    expect(report.rows.filter((r) => r.status === "failed").map((r) => r.key)).toEqual(["obj-03", "obj-07"]);
    expect(report.rows.map((r) => r.key).sort()).toEqual(keys.slice(0, 10));
    expect(partPuts(bed).map((c) => c.key!.endsWith("-failed.csv"))).toEqual([false, true, false, true]);
  });

  it("an engine given no lease store spills through its object store", async () => {
    const bed = await bedWith(keys.slice(0, 3));
    const leases = defaultWorkLeases(bed.jobStore);
    expect((leases as unknown as { spill?: unknown }).spill).toBeInstanceOf(ReportBucketSpill);
  });
});

describe("spilled parts", () => {
  it("give back rows exactly as written, line breaks and non-ASCII included, as bytes; a damaged part is refused", () => {
    const rows = ['b,"k,1 ""x""",,succeeded,200,,\n', 'b,"line\nbreak",,failed,403,AccessDenied,no\n', "b,ünï✓,,succeeded,200,,\n"];
    const text = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));
    const part = encodePart(rows);
    // Handed to the report as the results file's bytes, never decoded into rows.
    expect(text(decodePart(part))).toEqual(rows.join(""));
    expect(text(decodePart(encodePart([])))).toEqual("");
    expect(text(decodePart(new Uint8Array()))).toEqual("");
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(decodePart(part.subarray(0, -1))).toBeUndefined();
    expect(decodePart(bytes("1 3\nabcd"))).toBeUndefined();
    expect(decodePart(bytes("not a header\nabc"))).toBeUndefined();
    expect(decodePart(bytes("1 3"))).toBeUndefined();
    expect(text(decodePart(bytes("1 3\nabc")))).toEqual("abc");
  });
});
