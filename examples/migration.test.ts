/**
 * Testing your own batch-job code with batchplane/testing: the team's migration code (its own AWS
 * SDK calls, unchanged) runs against batchplane in this process, with no port open: the client's
 * `requestHandler` is `bed.sdkHandler()`. A job whose tasks partly fail is asserted through
 * DescribeJob and its completion report. Deterministic: a ManualClock, sequential ids, an
 * in-memory store behind a fault-injecting wrapper, and `runUntilIdle` instead of waiting.
 * (In your project: `import { createTestBed, ... } from "batchplane/testing"`.)
 */
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { describe, expect, it } from "vitest";
import { createTestBed, seedManifest, seedObjects, type TestBed } from "../src/testing/index.js";
import { archiveProgress, startArchiveJob } from "./migration.js";

const ACCOUNT = "123456789012";
const invoices = ["2025/01/inv-001.pdf", "2025/01/inv 002.pdf", "2025/02/inv-003.pdf", "2025/03/inv-004.pdf"];

/** The cloud the migration code expects, set up through the library: invoices, buckets, the manifest. */
async function cloud(bed: TestBed, keys: readonly string[]) {
  await seedObjects(bed.objects, "invoices", keys);
  await bed.objects.createBucket("archive");
  const manifest = await seedManifest(bed.objects, { bucket: "ops", key: "manifests/archive-2025.csv" }, keys.map((key) => ["invoices", key] as const));
  const s3control = new S3ControlClient({ region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, requestHandler: bed.sdkHandler() });
  const plan = { accountId: ACCOUNT, manifest: manifest.location, archiveBucket: "archive", year: 2025, reportBucket: "ops" };
  return { s3control, plan };
}

describe("archiving invoices (the team's migration code)", () => {
  it("archives what it can and reports the invoices that need attention", async () => {
    const bed = createTestBed();
    const { s3control, plan } = await cloud(bed, invoices);
    // One invoice is locked down, and one disappeared before the job ran.
    bed.faults.failKeys(["2025/02/inv-003.pdf"], { code: "AccessDenied", status: 403 }, "copy");
    await bed.objects.delete({ bucket: "invoices", key: "2025/03/inv-004.pdf" });

    const jobId = await startArchiveJob(s3control, plan);
    await bed.runUntilIdle();

    // Complete does not mean every task succeeded: the report says which did not.
    expect(await archiveProgress(s3control, ACCOUNT, jobId)).toEqual({ status: "Complete", succeeded: 2, failed: 2 });
    const report = await bed.readReport((await bed.jobs.get(jobId))!);
    expect(report?.rows.map((row) => ({ invoice: row.key, code: row.errorCode, status: row.httpStatus }))).toEqual([
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
    const { s3control, plan } = await cloud(bed, invoices.slice(0, 2));
    const throttled = bed.faults.fail({ operations: "copy", times: 3, error: { code: "SlowDown", status: 503 } });

    const jobId = await startArchiveJob(s3control, plan);
    await bed.runUntilIdle();

    expect(throttled.hits).toBe(3);
    expect(await archiveProgress(s3control, ACCOUNT, jobId)).toEqual({ status: "Complete", succeeded: 2, failed: 0 });
    expect((await bed.readReport((await bed.jobs.get(jobId))!))?.rows).toEqual([]); // FailedTasksOnly, and none failed
  });
});
