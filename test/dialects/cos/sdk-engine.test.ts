import { afterEach, describe, expect, it } from "vitest";
import { JobService } from "../../../src/index.js";
import { ManualClock } from "../../../src/core/clock.js";
import { SequentialIds } from "../../../src/core/ids.js";
import { Engine } from "../../../src/core/engine/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";
import { MemoryObjectStore } from "../../../src/stores/memory-object-store.js";
import { FaultInjectingStore, readReport, seedManifest, seedObjects } from "../../../src/testing/index.js";
import { createBody } from "./examples.js";
import { sdkRig } from "./support.js";

/**
 * Jobs run for real: the engine over the in-memory object store, the dialect driven by the COS
 * Node SDK, time moved by a ManualClock.
 */

const SOURCE = "sourcebucket-1250000000";
const TARGET = "destinationbucket-1250000000";
const REPORTS = "reports-1250000000";
const MANIFEST = "manifests/batch-copy-manifest.csv";

type Rig = Awaited<ReturnType<typeof sdkRig>>;
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function world() {
  const clock = new ManualClock(Date.UTC(2019, 11, 19, 18, 0, 30));
  const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
  const objects = new MemoryObjectStore({ clock });
  const faults = new FaultInjectingStore(objects);
  const engine = new Engine({ jobs, objects: faults, clock });
  await seedObjects(objects, SOURCE, ["photos/a.jpg", "photos/b c.jpg", "docs/readme.txt"]);
  await objects.createBucket(TARGET);
  await objects.createBucket(REPORTS);
  const manifest = await seedManifest(objects, { bucket: SOURCE, key: MANIFEST }, [
    [SOURCE, "photos/a.jpg"],
    [SOURCE, "photos/b c.jpg"],
    [SOURCE, "docs/readme.txt"],
  ]);
  rig = await sdkRig({ jobs });
  return { clock, jobs, objects, faults, engine, etag: manifest.location.etag!, sdk: rig };
}

const COPY = `<COSPutObjectCopy>
  <PrefixReplace>true</PrefixReplace><ResourcesPrefix>photos/</ResourcesPrefix><TargetKeyPrefix>archive/</TargetKeyPrefix>
  <TaggingDirective>Replaced</TaggingDirective><NewObjectTagging><COSTag><Key>copied-by</Key><Value>batch</Value></COSTag></NewObjectTagging>
  <StorageClass>STANDARD_IA</StorageClass>
  <TargetResource>qcs::cos:ap-chengdu:uid/1250000000:${TARGET}</TargetResource>
</COSPutObjectCopy>`;

function copyJob(etag: string, confirm = true): string {
  return createBody({
    operation: COPY,
    replace: [
      [/<ETag>[^<]*<\/ETag>/, `<ETag>"${etag}"</ETag>`],
      ["<ConfirmationRequired>false", `<ConfirmationRequired>${confirm}`],
      ["<Bucket>qcs::cos:ap-chengdu::sourcebucket-1250000000</Bucket>", `<Bucket>qcs::cos:ap-chengdu::${REPORTS}</Bucket>`],
    ],
  });
}

describe("a copy job through the SDK, run by the engine", () => {
  it("is created, waits Suspended for confirmation, is confirmed, runs to Complete and reports every object", async () => {
    const { engine, objects, jobs, etag, sdk } = await world();
    const id: string = (await sdk.request("POST", "/jobs", { body: copyJob(etag) })).CreateJobResult.JobId;

    await engine.runUntilIdle();
    const waiting = (await sdk.request("GET", `/jobs/${id}`)).DescribeJobResult.Job;
    expect(waiting).toMatchObject({ Status: "Suspended", SuspendedDate: "2019-12-19T18:00:30Z", ProgressSummary: { TotalNumberOfTasks: "3" } });

    const confirmed = await sdk.request("POST", `/jobs/${id}/status`, { query: { requestedJobStatus: "Ready", statusUpdateReason: "manifest checked" } });
    expect(confirmed.UpdateJobStatusResult).toEqual({ JobId: id, Status: "Ready", StatusUpdateReason: "manifest checked" });
    await engine.runUntilIdle();

    const done = (await sdk.request("GET", `/jobs/${id}`)).DescribeJobResult.Job;
    expect(done).toMatchObject({
      Status: "Complete",
      ProgressSummary: { NumberOfTasksFailed: "0", NumberOfTasksSucceeded: "3", TotalNumberOfTasks: "3" },
      TerminationDate: expect.stringMatching(/^2019-12-19T18:00:\d{2}Z$/),
      FailureReasons: { JobFailure: { FailureCode: "", FailureReason: "" } },
      Manifest: { Location: { ETag: `"${etag}"` } },
    });
    const listed = await sdk.request("GET", "/jobs", { query: { jobStatuses: "Complete" } });
    expect(listed.ListJobsResult.Jobs.member).toMatchObject({ JobId: id, Operation: "COSPutObjectCopy", Status: "Complete" });

    // PrefixReplace: photos/ became archive/; a key without the prefix kept its name (D-CE).
    for (const key of ["archive/a.jpg", "archive/b c.jpg", "docs/readme.txt"]) {
      const info = await objects.head({ bucket: TARGET, key });
      expect(info.storageClass, key).toBe("STANDARD_IA");
      expect(await objects.getTagging({ bucket: TARGET, key }), key).toEqual([{ key: "copied-by", value: "batch" }]);
    }
    const report = await readReport(objects, (await jobs.get(id))!);
    expect(report?.manifestKey).toBe(`job-result/job-${id}/manifest.json`);
    expect(report?.rows.map((r) => [r.key, r.status, r.httpStatus]).sort()).toEqual([
      ["docs/readme.txt", "succeeded", 200],
      ["photos/a.jpg", "succeeded", 200],
      ["photos/b c.jpg", "succeeded", 200],
    ]);

    // A finished job: its priority is no longer there to change (seeds), and it can be deleted.
    const err = await sdk.request("POST", `/jobs/${id}/priority`, { query: { priority: "1" } }).catch((e) => e);
    expect([err.statusCode, err.code]).toEqual([404, "NoSuchJob"]);
    expect((await sdk.request("DELETE", `/jobs/${id}`)).statusCode).toBe(200);
  });

  it("fails on a manifest whose ETag is not the one given, and says why in FailureReasons", async () => {
    const { engine, etag, sdk } = await world();
    const wrong = etag.replace(/^./, (c) => (c === "0" ? "1" : "0"));
    const id: string = (await sdk.request("POST", "/jobs", { body: copyJob(wrong) })).CreateJobResult.JobId;
    await engine.runUntilIdle();
    const job = (await sdk.request("GET", `/jobs/${id}`)).DescribeJobResult.Job;
    expect(job.Status).toBe("Failed");
    expect(job.FailureReasons.JobFailure).toMatchObject({ FailureCode: "ManifestETagMismatch", FailureReason: expect.stringContaining(wrong) });
  });

  it("counts and reports a task that fails, and still completes", async () => {
    const { engine, faults, objects, jobs, etag, sdk } = await world();
    faults.failKeys(["photos/b c.jpg"], { code: "AccessDenied", status: 403, message: "Access Denied" }, "copy");
    const id: string = (await sdk.request("POST", "/jobs", { body: copyJob(etag, false) })).CreateJobResult.JobId;
    await engine.runUntilIdle();
    const job = (await sdk.request("GET", `/jobs/${id}`)).DescribeJobResult.Job;
    expect(job).toMatchObject({ Status: "Complete", ProgressSummary: { NumberOfTasksFailed: "1", NumberOfTasksSucceeded: "2", TotalNumberOfTasks: "3" } });
    const failedRows = (await readReport(objects, (await jobs.get(id))!))!.rows.filter((r) => r.status === "failed");
    expect(failedRows.map((r) => [r.key, r.httpStatus, r.errorCode])).toEqual([["photos/b c.jpg", 403, "AccessDenied"]]);
  });

  it("cancels a running job: Cancelling while a task is in flight, Cancelled once it ends", async () => {
    const { engine, faults, etag, sdk } = await world();
    const gate = faults.hold({ operations: "copy" });
    const id: string = (await sdk.request("POST", "/jobs", { body: copyJob(etag, false) })).CreateJobResult.JobId;
    const run = engine.runUntilIdle();
    await gate.arrived(1);
    const cancelling = await sdk.request("POST", `/jobs/${id}/status`, { query: { requestedJobStatus: "Cancelled", statusUpdateReason: "changed my mind" } });
    expect(cancelling.UpdateJobStatusResult).toEqual({ JobId: id, Status: "Cancelling", StatusUpdateReason: "changed my mind" });
    gate.release();
    await run;
    const job = (await sdk.request("GET", `/jobs/${id}`)).DescribeJobResult.Job;
    expect(job).toMatchObject({ Status: "Cancelled", StatusUpdateReason: "changed my mind", TerminationDate: expect.stringMatching(/Z$/) });
  });
});
