import { describe, expect, it } from "vitest";
import { ossDialect } from "../../../dialects/oss/index.js";
import { bodyToBytes, Engine, JobService } from "../../../src/index.js";
import { ManualClock } from "../../../src/core/clock.js";
import { createFetchHandler } from "../../../src/server/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";
import { MemoryObjectStore } from "../../../src/stores/memory-object-store.js";
import { readReport } from "../../../src/testing/index.js";
import { elements } from "../../support/seed-http.js";
import { createJobXml, HOST, QueuedIds, textOf, V1_AUTH } from "./harness.js";

/** The OSS endpoint and the engine over one JobService and the in-memory stores. */
async function world() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const objects = new MemoryObjectStore({ clock, buckets: ["data", "manifest-bucket", "report-bucket"] });
  for (const key of ["photos/a.jpg", "photos/b.jpg", "photos/c d.jpg"]) {
    await objects.put({ bucket: "data", key, body: key, tags: [{ key: "old", value: "1" }] });
  }
  const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new QueuedIds([]) });
  const engine = new Engine({ jobs, objects, clock });
  const oss = createFetchHandler({ jobs, dialects: [ossDialect()] });
  const send = async (method: string, target: string, body?: string) =>
    (await oss(new Request(`http://${HOST}${target}`, { method, body, headers: { authorization: V1_AUTH } }))).text();
  const describeJob = (id: string) => send("GET", `/?batchJob&batchJobId=${id}`);
  return { clock, objects, jobs, engine, send, describeJob };
}

/** A job over `keys` of the data bucket, from a CSV manifest; its report lists every task. */
async function createOver(w: Awaited<ReturnType<typeof world>>, keys: string[], operation: string): Promise<string> {
  await w.objects.put({ bucket: "manifest-bucket", key: "m.csv", body: keys.map((k) => `data,${encodeURIComponent(k)}\n`).join("") });
  const created = await w.send(
    "POST",
    "/?batchJob",
    createJobXml({
      operation,
      report: "<Report><Bucket>report-bucket</Bucket><Enabled>true</Enabled><Prefix>reports/</Prefix><ReportScope>AllTasks</ReportScope></Report>",
      source: "<Manifest><Location><Bucket>manifest-bucket</Bucket><Object>m.csv</Object></Location><Spec><Format>OSS_BatchOperations_CSV_20250611</Format></Spec></Manifest>",
    }),
  );
  return textOf(created, "JobId")!;
}

/** Jobs created through the OSS wire run to their end over the in-memory stores, reports and all. */
describe("an OSS job, run by the engine", () => {
  it("tags every object of its CSV manifest, completes and writes its report", async () => {
    const { objects, engine, send } = await world();
    // Keys URL-encoded, as OSS inventory CSVs are [INV] (the batch CSV's encoding is unspecified).
    const { etag } = await objects.put({ bucket: "manifest-bucket", key: "manifest.csv", body: "data,photos/a.jpg\ndata,photos/b.jpg\ndata,photos/c%20d.jpg\n" });

    const created = await send(
      "POST",
      "/?batchJob",
      createJobXml({
        source: `<Manifest><Location><ETag>${etag}</ETag><Bucket>manifest-bucket</Bucket><Object>manifest.csv</Object></Location><Spec><Fields>Bucket,Key</Fields><Format>OSS_BatchOperations_CSV_20250611</Format></Spec></Manifest>`,
      }),
    );
    const id = textOf(created, "JobId")!;
    await engine.runUntilIdle();

    const described = await send("GET", `/?batchJob&batchJobId=${id}`);
    expect(textOf(described, "Status")).toBe("Complete");
    expect(elements(described).filter((e) => e.path.includes("ProgressSummary/") && !e.path.includes("Timers"))).toEqual([
      { path: "DescribeJobResult/Job/ProgressSummary/NumberOfTasksFailed", text: "0" },
      { path: "DescribeJobResult/Job/ProgressSummary/NumberOfTasksSucceeded", text: "3" },
      { path: "DescribeJobResult/Job/ProgressSummary/TotalNumberOfTasks", text: "3" },
    ]);
    expect(textOf(described, "TerminationDate")).toMatch(/^\d+$/);
    for (const key of ["photos/a.jpg", "photos/b.jpg", "photos/c d.jpg"]) {
      expect(await objects.getTagging({ bucket: "data", key })).toEqual([{ key: "Environment", value: "Production" }]);
    }

    const report = (await objects.list({ bucket: "report-bucket", prefix: "batch-reports/" })).objects.map((o) => o.key);
    expect(report).toContain(`batch-reports/job-${id}/manifest.json`);
    const results = report.filter((k) => /\/results\/[0-9a-f]{40}\.csv$/.test(k));
    expect(results.length).toBeGreaterThan(0);
    const rows = [];
    for (const key of results) {
      const { body } = await objects.get({ bucket: "report-bucket", key });
      rows.push(...new TextDecoder().decode(await bodyToBytes(body)).trim().split("\n"));
    }
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toMatch(/^data,photos\/.+,.*,succeeded,200,/);
  });

  it("deletes the tags under a prefix (KeyPrefixManifestGenerator), reporting failed tasks only", async () => {
    const { objects, engine, send, describeJob } = await world();
    const created = await send(
      "POST",
      "/?batchJob",
      createJobXml({
        operation: "<DeleteObjectTagging></DeleteObjectTagging>",
        report: "<Report><Bucket>report-bucket</Bucket><Enabled>true</Enabled><Prefix>reports/</Prefix><ReportScope>FailedTasksOnly</ReportScope></Report>",
        source: "<KeyPrefixManifestGenerator><SourceBucket>data</SourceBucket><Prefix>photos/</Prefix></KeyPrefixManifestGenerator>",
      }),
    );
    const id = textOf(created, "JobId")!;
    await engine.runUntilIdle();
    const described = await describeJob(id);
    expect(textOf(described, "Status")).toBe("Complete");
    expect(textOf(described, "TotalNumberOfTasks")).toBe("3");
    for (const key of ["photos/a.jpg", "photos/b.jpg", "photos/c d.jpg"]) expect(await objects.getTagging({ bucket: "data", key })).toEqual([]);
    const report = (await objects.list({ bucket: "report-bucket", prefix: `reports/job-${id}/` })).objects.map((o) => o.key);
    expect(report).toContain(`reports/job-${id}/manifest.json`);
  });

  it("waits Suspended for confirmation, runs once confirmed with Ready, and finishes a cancel (Cancelling, then Cancelled)", async () => {
    const { objects, engine, send, describeJob } = await world();
    await objects.put({ bucket: "manifest-bucket", key: "m.csv", body: "data,photos/a.jpg\n" });
    const source = "<Manifest><Location><Bucket>manifest-bucket</Bucket><Object>m.csv</Object></Location><Spec><Format>OSS_BatchOperations_CSV_20250611</Format></Spec></Manifest>";
    const confirm = textOf(await send("POST", "/?batchJob", createJobXml({ confirmation: "<ConfirmationRequired>true</ConfirmationRequired>", source })), "JobId")!;
    const cancel = textOf(await send("POST", "/?batchJob", createJobXml({ confirmation: "<ConfirmationRequired>true</ConfirmationRequired>", source })), "JobId")!;
    await engine.runUntilIdle();
    expect(textOf(await describeJob(confirm), "Status")).toBe("Suspended");
    expect(textOf(await describeJob(confirm), "TotalNumberOfTasks")).toBe("1");

    expect(textOf(await send("POST", `/?batchJobStatus&batchJobId=${confirm}&requestedJobStatus=Ready`), "Status")).toBe("Ready");
    expect(textOf(await send("POST", `/?batchJobStatus&batchJobId=${cancel}&requestedJobStatus=Cancelled`), "Status")).toBe("Cancelling");
    await engine.runUntilIdle();
    expect(textOf(await describeJob(confirm), "Status")).toBe("Complete");
    expect(textOf(await describeJob(cancel), "Status")).toBe("Cancelled");
    expect(textOf(await describeJob(cancel), "TerminationDate")).toMatch(/^\d+$/);
  });

  it("applies RestoreObject's limits by each object's storage class, failing only the objects whose class refuses them", async () => {
    const w = await world();
    const classes = { "cold/a": "ColdArchive", "archive/b": "Archive", "deep/c": "DeepColdArchive", "standard/d": "Standard" };
    for (const [key, storageClass] of Object.entries(classes)) await w.objects.put({ bucket: "data", key, body: key, storageClass });
    // 30 days with Bulk: within CreateJob's widest range, too long for Archive, the wrong tier for Deep Cold Archive.
    const id = await createOver(w, Object.keys(classes), "<RestoreObject><Days>30</Days><Tier>Bulk</Tier></RestoreObject>");
    await w.engine.runUntilIdle();
    const described = await w.describeJob(id);
    expect(textOf(described, "Status")).toBe("Complete");
    expect([textOf(described, "NumberOfTasksSucceeded"), textOf(described, "NumberOfTasksFailed")]).toEqual(["1", "3"]);
    const rows = (await readReport(w.objects, (await w.jobs.get(id))!))!.rows;
    expect(rows.map((r) => [r.key, r.status, r.httpStatus, r.errorCode, r.message]).sort()).toEqual([
      ["archive/b", "failed", 400, "InvalidArgument", "Days must be at most 7 for Archive objects, got 30"],
      ["cold/a", "succeeded", 200, "", "Successful"],
      ["deep/c", "failed", 400, "InvalidArgument", "Tier must be Standard for DeepColdArchive objects, got Bulk"],
      // Not archived: the rule has nothing to say, the store refuses it.
      ["standard/d", "failed", 403, "InvalidObjectState", expect.stringContaining("Standard")],
    ]);
    expect((await w.objects.head({ bucket: "data", key: "cold/a" })).restore).toMatchObject({ ongoing: false });
    expect((await w.objects.head({ bucket: "data", key: "archive/b" })).restore).toBeUndefined();
  });

  it("leaves every object alone that its class's limits allow", async () => {
    const w = await world();
    for (const [key, storageClass] of [["archive/e", "Archive"], ["deep/f", "DeepColdArchive"]]) await w.objects.put({ bucket: "data", key: key!, body: "x", storageClass });
    const id = await createOver(w, ["archive/e", "deep/f"], "<RestoreObject><Days>7</Days></RestoreObject>");
    await w.engine.runUntilIdle();
    expect([textOf(await w.describeJob(id), "NumberOfTasksSucceeded"), textOf(await w.describeJob(id), "NumberOfTasksFailed")]).toEqual(["2", "0"]);
  });
});
