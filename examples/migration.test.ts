/**
 * Testing your own batch-job code with batchplane/testing: a job whose tasks partly fail,
 * asserted through its completion report. Deterministic: a ManualClock, sequential ids, an
 * in-memory store behind a fault-injecting wrapper, and `runUntilIdle` instead of waiting.
 * (In your project: `import { createTestBed, ... } from "batchplane/testing"`.)
 */
import { describe, expect, it } from "vitest";
import { createTestBed, seedObjects } from "../src/testing/index.js";
import { invoicesNeedingAttention, startArchiveJob } from "./migration.js";

const invoices = ["2025/01/inv-001.pdf", "2025/01/inv 002.pdf", "2025/02/inv-003.pdf", "2025/03/inv-004.pdf"];

describe("archiving invoices (the team's migration code)", () => {
  it("archives what it can and reports the invoices that need attention", async () => {
    const bed = createTestBed();
    await seedObjects(bed.objects, "invoices", invoices);
    await bed.objects.createBucket("archive");
    await bed.objects.createBucket("ops");
    // One invoice is locked down, and one disappeared before the job ran.
    bed.faults.failKeys(["2025/02/inv-003.pdf"], { code: "AccessDenied", status: 403 }, "copy");
    await bed.objects.delete({ bucket: "invoices", key: "2025/03/inv-004.pdf" });

    const plan = { sourceBucket: "invoices", invoices, archiveBucket: "archive", year: 2025, reportBucket: "ops" };
    const jobId = await startArchiveJob(bed.jobs, bed.tenant, bed.faults, plan);
    await bed.runUntilIdle();

    const job = await bed.describe(jobId);
    // Complete does not mean every task succeeded: the report says which did not.
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ total: 4, succeeded: 2, failed: 2 });
    expect(await invoicesNeedingAttention(bed.jobs, bed.tenant, bed.objects, jobId)).toEqual([
      { invoice: "2025/02/inv-003.pdf", code: "AccessDenied", status: 403 },
      { invoice: "2025/03/inv-004.pdf", code: "NoSuchKey", status: 404 },
    ]);
    const archived = await bed.objects.list({ bucket: "archive" });
    expect(archived.objects.map((o) => [o.key, o.storageClass])).toEqual([
      ["2025/2025/01/inv 002.pdf", "GLACIER"],
      ["2025/2025/01/inv-001.pdf", "GLACIER"],
    ]);
  });

  it("gets through throttling: the engine retries with backoff, on the ManualClock", async () => {
    const bed = createTestBed();
    await seedObjects(bed.objects, "invoices", invoices.slice(0, 2));
    await bed.objects.createBucket("archive");
    await bed.objects.createBucket("ops");
    const throttled = bed.faults.fail({ operations: "copy", times: 3, error: { code: "SlowDown", status: 503 } });

    const plan = { sourceBucket: "invoices", invoices: invoices.slice(0, 2), archiveBucket: "archive", year: 2025, reportBucket: "ops" };
    const jobId = await startArchiveJob(bed.jobs, bed.tenant, bed.faults, plan);
    await bed.runUntilIdle();

    expect(throttled.hits).toBe(3);
    expect((await bed.describe(jobId)).progress).toMatchObject({ succeeded: 2, failed: 0 });
    expect(await invoicesNeedingAttention(bed.jobs, bed.tenant, bed.objects, jobId)).toEqual([]);
  });
});
