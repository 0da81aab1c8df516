import { afterEach, describe, expect, it } from "vitest";
import { JobService } from "../../../src/index.js";
import { ManualClock } from "../../../src/core/clock.js";
import { SequentialIds } from "../../../src/core/ids.js";
import { Engine } from "../../../src/core/engine/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";
import { MemoryObjectStore } from "../../../src/stores/memory-object-store.js";
import { FaultInjectingStore, readReport, seedManifest, seedObjects } from "../../../src/testing/index.js";
import { createBody, TAGGING } from "./examples.js";
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

async function world(concurrency?: number) {
  const clock = new ManualClock(Date.UTC(2019, 11, 19, 18, 0, 30));
  const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
  const objects = new MemoryObjectStore({ clock });
  const faults = new FaultInjectingStore(objects);
  const engine = new Engine({ jobs, objects: faults, clock, concurrency });
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

/** A tagging job over `n` new objects under `name/`, with its own manifest. */
async function taggingJob(w: Awaited<ReturnType<typeof world>>, name: string, n: number, priority: number, confirm: boolean): Promise<string> {
  const keys = Array.from({ length: n }, (_, i) => `${name}/${i}.txt`);
  await seedObjects(w.objects, SOURCE, keys);
  const manifest = await seedManifest(w.objects, { bucket: SOURCE, key: `manifests/${name}.csv` }, keys.map((k) => [SOURCE, k] as const));
  const body = createBody({
    operation: TAGGING,
    token: `token-${name}`,
    replace: [
      [/<ETag>[^<]*<\/ETag>/, `<ETag>"${manifest.location.etag}"</ETag>`],
      [MANIFEST, `manifests/${name}.csv`],
      ["<Priority>10</Priority>", `<Priority>${priority}</Priority>`],
      ["<ConfirmationRequired>false", `<ConfirmationRequired>${confirm}`],
    ],
  });
  return (await w.sdk.request("POST", "/jobs", { body })).CreateJobResult.JobId;
}

/** COS's pre-emption (D-MG: Active → Pausing → Paused when a higher-priority job runs, Paused → Active when it completes). */
describe("pre-emption through the COS SDK", () => {
  it("pauses a running low-priority job while a higher-priority one runs, then resumes and completes it", async () => {
    const w = await world(2);
    const { clock, jobs, faults, engine, sdk } = w;
    const describeJob = async (id: string) => (await sdk.request("GET", `/jobs/${id}`)).DescribeJobResult.Job;
    const lowGate = faults.hold({ operations: "putTagging", key: /^low\// });
    const highGate = faults.hold({ operations: "putTagging", key: /^high\// });
    const high = await taggingJob(w, "high", 2, 20, true);
    const low = await taggingJob(w, "low", 5, 1, false);
    const run = engine.runUntilIdle();
    await lowGate.arrived(2);
    expect((await describeJob(low)).Status).toBe("Active");
    await sdk.request("POST", `/jobs/${high}/status`, { query: { requestedJobStatus: "Ready" } });
    lowGate.release();
    await highGate.arrived(2);

    clock.advance(5_000);
    await new Promise<void>((resolve) => jobs.subscribe((job) => job.id === low && job.status === "Paused" && resolve()));
    expect(await describeJob(low)).toMatchObject({ Status: "Paused", ProgressSummary: { NumberOfTasksSucceeded: "2", TotalNumberOfTasks: "5" } });
    expect((await describeJob(high)).Status).toBe("Active");
    // A priority change is accepted while Paused (D-MG: "may be changed while a job runs").
    const priority = await sdk.request("POST", `/jobs/${low}/priority`, { query: { priority: "3" } });
    expect(priority.UpdateJobPriorityResult).toEqual({ JobId: low, Priority: "3" });

    highGate.release();
    await run;
    expect(await describeJob(high)).toMatchObject({ Status: "Complete" });
    expect(await describeJob(low)).toMatchObject({ Status: "Complete", Priority: "3", ProgressSummary: { NumberOfTasksSucceeded: "5", NumberOfTasksFailed: "0" } });
  });
});
