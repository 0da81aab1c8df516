import { describe, expect, it } from "vitest";
import { Engine, JobService, MemoryJobStore, MemoryObjectStore, systemClock, type Job } from "../../src/index.js";
import { MemoryWorkLeases } from "../../src/stores/memory-work-leases.js";
import { FaultInjectingStore, readReport, seedManifest, seedObjects } from "../../src/testing/index.js";
import { bedWith, DATA, listedAt, REPORTS } from "./support.js";

const keys = Array.from({ length: 40 }, (_, i) => `obj-${String(i).padStart(2, "0")}`);

describe("a report is final when its job is (issue 17.1, 12.5)", () => {
  it("nothing but the final report objects is ever under the report prefix, also at the moment a listener sees Complete", async () => {
    // Several checkpoints of rows along the way; any removal of temporary objects is held back.
    const bed = await bedWith(keys, { engine: { concurrency: 2, checkpointEvery: 5, unitSize: 15 } });
    const cleanup = bed.faults.hold({ operations: "delete", bucket: REPORTS });
    const created = await bed.job();
    const base = `reports/job-${created.id}/`;
    const atComplete = listedAt(bed, () => created.id, "Complete", REPORTS, () => base);
    const run = bed.runUntilIdle();
    const job = await bed.whenJob(created.id, (j) => j.status === "Complete");
    const listed = await atComplete();
    cleanup.release();
    await run;
    const report = (await readReport(bed.objects, job))!;
    expect(report.rows.map((r) => r.key)).toEqual(keys);
    const final = [report.manifestKey, ...report.files.map((f) => f.key)].sort();
    expect(listed).toEqual(final);
    // And never anything else, at any moment: every object written there is a final one, written once.
    const written = bed.faults.calls.filter((c) => c.operation === "put" && c.bucket === REPORTS).map((c) => c.key!);
    expect([...written].sort()).toEqual(final);
  });

  it("a report that cannot be written leaves nothing under its prefix: the job fails with ReportNotWritten", async () => {
    const bed = await bedWith(keys.slice(0, 12), { engine: { checkpointEvery: 3, unitSize: 5 } });
    const created = await bed.job();
    // The disk under the report bucket fills up once the results are written: manifest.json fails.
    bed.faults.fail({ operations: "put", bucket: REPORTS, key: (k) => k.endsWith("manifest.json"), error: { code: "InsufficientStorage", status: 507, retryable: false } });
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Failed");
    expect(job.failureReasons.map((r) => r.code)).toEqual(["ReportNotWritten"]);
    expect(job.progress).toMatchObject({ succeeded: 12, failed: 0 });
    expect((await bed.objects.list({ bucket: REPORTS, prefix: `reports/job-${created.id}/` })).objects).toEqual([]);
  });

  it("drops at the next start what a crash left of a finished job in the lease store", async () => {
    const bed = await bedWith(keys.slice(0, 3));
    const leases = new MemoryWorkLeases();
    const engine = new Engine({ jobs: bed.jobs, objects: bed.objects, clock: bed.clock, leases });
    const created = await bed.job();
    await engine.runUntilIdle();
    expect((await bed.describe(created.id)).status).toBe("Complete");
    // As if the process had died between the job's end and the drop of its rows.
    await leases.plan(created.id, [{ start: 0, end: 3 }]);
    await leases.plan("job-that-vanished", [{ start: 0, end: 1 }]);
    const next = new Engine({ jobs: bed.jobs, objects: bed.objects, clock: bed.clock, leases });
    next.start();
    await next.stop();
    expect(await leases.jobs()).toEqual([]);
  });
});

describe("retry waits on the real clock (issue 17.7)", () => {
  it("runUntilIdle waits out the backoff of a transient failure on the system clock, then finishes", async () => {
    const store = new MemoryJobStore();
    const jobs = new JobService({ store, clock: systemClock });
    const memory = new MemoryObjectStore();
    await seedObjects(memory, DATA, ["a", "b"]);
    const manifest = await seedManifest(memory, { bucket: "manifests", key: "m.csv" }, [[DATA, "a"], [DATA, "b"]]);
    const objects = new FaultInjectingStore(memory);
    const fault = objects.fail({ operations: "putTagging", key: "a", times: 3, error: { code: "SlowDown", status: 503 } });
    const engine = new Engine({ jobs, objects, retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 50 } });
    const { job } = await jobs.createJob(
      { dialect: "default", account: "1", region: "r" },
      {
        clientRequestToken: "t",
        priority: 1,
        confirmationRequired: false,
        role: "r",
        operation: { type: "putTagging", tags: [{ key: "k", value: "v" }] },
        manifest,
        report: { enabled: false },
      },
    );
    const start = performance.now();
    await engine.runUntilIdle();
    const elapsed = performance.now() - start;
    expect(fault.hits).toBe(3);
    const done = (await jobs.get(job.id)) as Job;
    expect(done.status).toBe("Complete");
    expect(done.progress).toMatchObject({ succeeded: 2, failed: 0 });
    // Waits of 5, 10 and 20 ms really passed (and no more than a generous bound).
    expect(elapsed).toBeGreaterThanOrEqual(34);
    expect(elapsed).toBeLessThan(5_000);
  });
});
