import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvWorker, csvWorkerStats, WORKER_MIN_BYTES } from "../../src/core/manifest/csv-worker-client.js";
import { bedWith, DATA } from "./support.js";

/**
 * Jobs whose CSV manifests parse on the worker thread. The first case runs at the real threshold (a
 * manifest over 1 MiB); then every case of the engine's manifest, resume, report and lifecycle test
 * files and of the inventory manifests' runs again with every CSV body (an inventory's data files
 * too) sent to the worker (threshold 0): the same expectations.
 */
describe("a job over a manifest above the CSV worker's threshold", () => {
  it("parses it on the worker and ends Complete with every row reported", async () => {
    expect(csvWorker.minBytes).toBe(WORKER_MIN_BYTES);
    // 1,200 keys of ~900 characters: about 1.1 MB of manifest.
    const keys = Array.from({ length: 1200 }, (_, i) => `k${String(i).padStart(4, "0")}-${"x".repeat(900)}`);
    const bed = await bedWith(keys);
    expect((await bed.objects.head(bed.manifest.location)).size).toBeGreaterThan(WORKER_MIN_BYTES);
    const created = await bed.job();
    await bed.runUntilIdle();

    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ total: 1200, succeeded: 1200, failed: 0 });
    const report = await bed.readReport(job);
    expect(report!.rows.map((r) => [r.bucket, r.key, r.status])).toEqual(keys.map((k) => [DATA, k, "succeeded"]));
    expect(await bed.objects.getTagging({ bucket: DATA, key: keys[1199]! })).toEqual([{ key: "migrated", value: "yes" }]);
    // The worker ran it (none would be running after an in-thread parse) and no session stayed open.
    expect(await csvWorkerStats()).toEqual({ main: 0, worker: 0 });
  });
});

describe("the engine's manifest cases, every manifest parsed on the worker", async () => {
  beforeAll(() => {
    csvWorker.minBytes = 0;
  });
  afterAll(async () => {
    // The worker ran them. (Sessions may stay open here: a test that drops its engine with a cursor
    // open leaves one, ended when its generator is collected; it never holds the process.)
    expect(await csvWorkerStats()).toBeDefined();
    csvWorker.minBytes = WORKER_MIN_BYTES;
  });
  await import("./manifest-failures.test.js");
  await import("./resume.test.js");
  await import("./reports.test.js");
  await import("./lifecycle.test.js");
  await import("../manifest/inventory.test.js");
});
