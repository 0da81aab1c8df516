import { afterEach, describe, expect, it } from "vitest";
import { JobService } from "../../../src/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";
import { CREATE_COPY_DCJ, createBody, RESTORE } from "./examples.js";
import { APPID, drive, sdkRig, TO_ACTIVE, TO_COMPLETE, TO_SUSPENDED } from "./support.js";

/**
 * The dialect driven by the official cos-nodejs-sdk-v5: its generic, signed request(), its XML
 * parser and its error handling, against a node:http server on 127.0.0.1. The SDK addresses the
 * cos-control host (signed as such) and reaches the local server through its `Ip` option.
 */

type Rig = Awaited<ReturnType<typeof sdkRig>>;
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function start(options: Parameters<typeof sdkRig>[0] = {}) {
  rig = await sdkRig(options);
  return rig;
}

async function created(r: Rig, body = CREATE_COPY_DCJ): Promise<string> {
  const data = await r.request("POST", "/jobs", { body });
  return data.CreateJobResult.JobId;
}

/** What the SDK hands its caller on failure. */
interface SdkError {
  statusCode: number;
  code: string;
  message: string;
  RequestId: string;
  error: { Code: string; Message: string; Resource: string; RequestId: string; TraceId: string };
  headers: Record<string, string>;
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("the request succeeded");
    },
    (e: SdkError) => e,
  );

describe("each operation through the SDK", () => {
  it("CreateJob: the JobId and the request id, the job in the region of the signed host", async () => {
    const r = await start();
    const data = await r.request("POST", "/jobs", { body: CREATE_COPY_DCJ });
    expect(data.statusCode).toBe(200);
    expect(data.CreateJobResult).toEqual({ JobId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/) });
    expect(data.RequestId).toBe(data.headers?.["x-cos-request-id"]);
    expect(Buffer.from(data.RequestId ?? "", "base64").toString()).toMatch(/^[0-9a-f]{8}_[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]+$/);
    const job = (await r.jobs.get(data.CreateJobResult.JobId))!;
    expect(job.tenant).toEqual({ dialect: "cos", account: APPID, region: "ap-chengdu" });
    // The request the server saw was signed for the cos-control host.
    expect(r.hits[0]!.headers.host).toBe("100000000001.cos-control.ap-chengdu.myqcloud.com");
    expect(r.hits[0]!.headers.authorization).toMatch(/q-header-list=content-length;host;x-cos-appid&/);
  });

  it("DescribeJob: the job as the SDK's parser reads it: every value a string, Fields' two members an array", async () => {
    const r = await start();
    const id = await created(r);
    await drive(r.jobs, id, TO_COMPLETE);
    const data = await r.request("GET", `/jobs/${id}`);
    expect(data.DescribeJobResult.Job).toEqual({
      ConfirmationRequired: "false",
      CreationTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      Description: "example-job",
      FailureReasons: { JobFailure: { FailureCode: "", FailureReason: "" } },
      JobId: id,
      Manifest: {
        Location: {
          ETag: '"15150651828fa9cdcb8356b6d1c7638b"',
          ObjectArn: "qcs::cos:ap-chengdu::sourcebucket-1250000000/manifests/batch-copy-manifest.csv",
        },
        Spec: { Fields: { member: ["Bucket", "Key"] }, Format: "COSBatchOperations_CSV_V1" },
      },
      Operation: { COSPutObjectCopy: { TargetResource: "qcs::cos:ap-chengdu:uid/1250000000:destinationbucket-1250000000" } },
      Priority: "10",
      ProgressSummary: { NumberOfTasksFailed: "0", NumberOfTasksSucceeded: "0", TotalNumberOfTasks: "0" },
      Report: {
        Bucket: "qcs::cos:ap-chengdu::sourcebucket-1250000000",
        Enabled: "true",
        Format: "Report_CSV_V1",
        Prefix: "job-result",
        ReportScope: "AllTasks",
      },
      RoleArn: "qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole",
      Status: "Complete",
      TerminationDate: expect.stringMatching(/Z$/),
    });
  });

  it("ListJobs: one job is an object under Jobs.member, two an array; paging by nextToken ends on an empty NextToken", async () => {
    const r = await start();
    const first = await created(r, createBody({ token: "one" }));
    const one = await r.request("GET", "/jobs");
    expect(one.ListJobsResult.Jobs.member).toMatchObject({ JobId: first, Operation: "COSPutObjectCopy", Priority: "10", Status: "New" });
    expect(one.ListJobsResult.NextToken).toBe("");

    const second = await created(r, createBody({ token: "two", operation: RESTORE }));
    const page = await r.request("GET", "/jobs", { query: { maxResults: "1" } });
    expect(Array.isArray(page.ListJobsResult.Jobs.member)).toBe(false);
    const seen = [page.ListJobsResult.Jobs.member.JobId];
    let token = page.ListJobsResult.NextToken;
    while (token) {
      const next = await r.request("GET", "/jobs", { query: { maxResults: "1", nextToken: token } });
      const members = next.ListJobsResult.Jobs.member;
      if (members) seen.push(members.JobId);
      token = next.ListJobsResult.NextToken;
    }
    expect(seen.sort()).toEqual([first, second].sort());
    const both = await r.request("GET", "/jobs", { query: { jobStatuses: "New" } });
    expect(both.ListJobsResult.Jobs.member.map((m: { Operation: string }) => m.Operation).sort()).toEqual(["COSInitiateRestoreObject", "COSPutObjectCopy"]);
  });

  it("UpdateJobPriority: the new priority, as a string", async () => {
    const r = await start();
    const id = await created(r);
    const data = await r.request("POST", `/jobs/${id}/priority`, { query: { priority: "20" } });
    expect(data.UpdateJobPriorityResult).toEqual({ JobId: id, Priority: "20" });
  });

  it("UpdateJobStatus: confirm a suspended job, cancel a running one, with a reason the SDK %20-encodes", async () => {
    const r = await start();
    const waiting = await created(r, createBody({ token: "w" }));
    const running = await created(r, createBody({ token: "r" }));
    await drive(r.jobs, waiting, TO_SUSPENDED);
    await drive(r.jobs, running, TO_ACTIVE);
    const ready = await r.request("POST", `/jobs/${waiting}/status`, { query: { requestedJobStatus: "Ready", statusUpdateReason: "checked the manifest" } });
    expect(ready.UpdateJobStatusResult).toEqual({ JobId: waiting, Status: "Ready", StatusUpdateReason: "checked the manifest" });
    const cancelled = await r.request("POST", `/jobs/${running}/status`, { query: { requestedJobStatus: "Cancelled" } });
    expect(cancelled.UpdateJobStatusResult).toEqual({ JobId: running, Status: "Cancelling" });
  });

  it("DeleteJob: 200 and nothing to parse; the job is gone", async () => {
    const r = await start();
    const id = await created(r);
    await drive(r.jobs, id, TO_COMPLETE);
    const data = await r.request("DELETE", `/jobs/${id}`);
    expect(data.statusCode).toBe(200);
    expect(data.RequestId).toBeTruthy();
    expect(await r.jobs.get(id)).toBeUndefined();
  });
});

describe("each error class through the SDK's error handling", () => {
  it.each([
    ["InvalidArgument", 400, async (r: Rig) => r.request("GET", "/jobs", { appid: null }), /^x-cos-appid cannot be empty/],
    ["InvalidRequest", 400, async (r: Rig) => {
      const id = await created(r);
      await drive(r.jobs, id, TO_COMPLETE);
      return r.request("POST", `/jobs/${id}/status`, { query: { requestedJobStatus: "Cancelled" } });
    }, /^The specified job has already been completed/],
    ["MalformedXML", 400, async (r: Rig) => r.request("POST", "/jobs", { body: "<CreateJobRequest><Priority>" }), /^The XML you provided was not well-formed/],
    ["NoSuchJob", 404, async (r: Rig) => r.request("POST", "/jobs/53dc6228-c50b-46f7-8ad7-65e7159f1aae/priority", { query: { priority: "1" } }), /does not exist or has already been completed/],
    ["MethodNotAllowed", 405, async (r: Rig) => r.request("PUT", "/jobs", { body: CREATE_COPY_DCJ }), /not allowed on \/jobs/],
    ["BadDigest", 400, async (r: Rig) => r.request("POST", "/jobs", { body: CREATE_COPY_DCJ, headers: { "Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg==" } }), /did not match/],
  ] as const)("%s %i: err.code, err.message and err.error, answered once", async (code, status, call, message) => {
    const r = await start();
    const err = await failure(call(r));
    expect(err.statusCode).toBe(status);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.error).toEqual({
      Code: code,
      Message: err.message,
      Resource: expect.stringMatching(/^100000000001\.cos-control\.ap-chengdu\.myqcloud\.com\/jobs/),
      RequestId: err.headers["x-cos-request-id"],
      TraceId: err.headers["x-cos-trace-id"],
    });
    expect(err.RequestId).toBe(err.headers["x-cos-request-id"]);
    // A 4xx is final: the SDK sent the failing request once.
    expect(r.hits.filter((h) => h.headers["x-cos-sdk-retry"])).toEqual([]);
  });

  it("ServiceUnavailable 503 (a write race lost every time): the SDK retries it three times, then reports it", async () => {
    class LosingStore extends MemoryJobStore {
      lose = false;
      override async replace(...args: Parameters<MemoryJobStore["replace"]>) {
        return this.lose ? false : super.replace(...args);
      }
    }
    const store = new LosingStore();
    const r = await start({ jobs: new JobService({ store, maxWriteAttempts: 2 }) });
    const id = await created(r);
    store.lose = true;
    const before = r.hits.length;
    const err = await failure(r.request("POST", `/jobs/${id}/priority`, { query: { priority: "3" } }));
    expect([err.statusCode, err.code]).toEqual([503, "ServiceUnavailable"]);
    expect(r.hits.length - before).toBe(4);
    expect(r.hits.slice(before + 1).every((h) => h.headers["x-cos-sdk-retry"] === "true")).toBe(true);
  });
});
