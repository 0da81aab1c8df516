import { describe, expect, it } from "vitest";
import { cosDialect } from "../../../dialects/cos/index.js";
import { JobService } from "../../../src/index.js";
import { ManualClock } from "../../../src/core/clock.js";
import { createFetchHandler } from "../../../src/server/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";
import { COPY_EVERYTHING, CREATE_COPY_DCJ, CREATE_INVENTORY_DCJ0, createBody, DELETE, RESTORE, TAGGING } from "./examples.js";
import { APPID, countingIds, drive, element, fetchRig, jobIdOf, TO_ACTIVE, TO_COMPLETE, TO_SUSPENDED } from "./support.js";

/** Layout whitespace and the declaration do not matter to any XML reader. */
const norm = (xml: string) => xml.replace(/<\?xml[^>]*\?>/, "").replace(/>\s+</g, "><").trim();

describe("CreateJob (POST /jobs)", () => {
  it("accepts D-CJ's example verbatim and stores what it says", async () => {
    const { send, store, ids } = fetchRig();
    const res = await send("POST", "/jobs", { body: CREATE_COPY_DCJ, headers: { "content-type": "application/xml" } });
    expect(res.status).toBe(200);
    expect(res.text).toBe('<?xml version="1.0" encoding="UTF-8"?><CreateJobResult><JobId>00000000-0000-4000-8000-000000000001</JobId></CreateJobResult>');
    expect(res.headers.get("content-type")).toBe("application/xml");
    expect(res.headers.get("server")).toBe("tencent-cos");
    expect(res.headers.get("x-cos-request-id")).toBe(ids.issued[0]);
    expect(res.headers.get("x-cos-trace-id")).toBeNull();

    const job = (await store.get("00000000-0000-4000-8000-000000000001"))!;
    expect(job).toMatchObject({
      tenant: { dialect: "cos", account: APPID, region: "ap-chengdu" },
      status: "New",
      clientRequestToken: "184ce261-18af-5e3d-3e30-253723cfd937",
      confirmationRequired: false,
      description: "example-job",
      priority: 10,
      role: "qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole",
      manifest: {
        location: { bucket: "sourcebucket-1250000000", key: "manifests/batch-copy-manifest.csv", etag: '"15150651828fa9cdcb8356b6d1c7638b"' },
        format: "csv",
        fields: ["bucket", "key"],
      },
      operation: { type: "copy", targetBucket: "destinationbucket-1250000000" },
      report: { enabled: true, bucket: "sourcebucket-1250000000", format: "Report_CSV_V1", prefix: "job-result", scope: "AllTasks" },
    });
    expect(job.operation).toEqual({ type: "copy", targetBucket: "destinationbucket-1250000000" });
  });

  it("accepts D-CJ0's inventory example, with its unquoted ETag and declaration", async () => {
    const { send, store } = fetchRig();
    const res = await send("POST", "/jobs", { body: CREATE_INVENTORY_DCJ0 });
    expect(res.status).toBe(200);
    const job = (await store.get(jobIdOf(res.text)))!;
    expect(job.manifest).toEqual({
      location: { bucket: "manifest-1250000000", key: "1250000000/source/manifest/20190715/manifest.json", etag: "ec75a30f3af000e9b31d62bed75cbcad" },
      format: "inventory",
    });
    expect(job.confirmationRequired).toBe(true);
    expect(job.operation).toEqual({ type: "copy", targetBucket: "target-1250000000", metadataDirective: "COPY", storageClass: "STANDARD" });
    expect(job.report).toEqual({ enabled: true, bucket: "result-1250000000", format: "Report_CSV_V1", scope: "FailedTasksOnly" });

    const described = await send("GET", `/jobs/${job.id}`);
    expect(norm(described.text)).toContain(
      "<Manifest><Location><ETag>ec75a30f3af000e9b31d62bed75cbcad</ETag><ObjectArn>qcs::cos:ap-chengdu::manifest-1250000000/1250000000/source/manifest/20190715/manifest.json</ObjectArn></Location><Spec><Format>COSInventoryReport_CSV_V1</Format></Spec></Manifest>",
    );
  });

  it("answers the same JobId for the same token and request, and refuses the token with another request", async () => {
    const { send, store } = fetchRig();
    const first = await send("POST", "/jobs", { body: CREATE_COPY_DCJ });
    const again = await send("POST", "/jobs", { body: CREATE_COPY_DCJ });
    expect(jobIdOf(again.text)).toBe(jobIdOf(first.text));
    const other = await send("POST", "/jobs", { body: createBody({ replace: [["<Priority>10<", "<Priority>11<"]] }) });
    expect(other.status).toBe(400);
    expect(element(other.text, "Code")).toBe("InvalidRequest");
    expect(element(other.text, "Message")).toMatch(/ClientRequestToken 184ce261-18af-5e3d-3e30-253723cfd937 already exists/);
    expect(await store.list({ tenant: (await store.get(jobIdOf(first.text)))!.tenant, statuses: [], limit: 10 })).toHaveLength(1);
  });

  it("names the tenant by x-cos-appid and the region by the cos-control host, on any host", async () => {
    const { jobs } = fetchRig();
    const handler = createFetchHandler({ jobs, dialects: [cosDialect()] });
    const create = (url: string, appid: string) =>
      handler(new Request(url, { method: "POST", headers: { "x-cos-appid": appid }, body: CREATE_COPY_DCJ })).then((r) => r.text());
    const a = jobIdOf(await create("http://127.0.0.1:9000/jobs", "1250000000"));
    const b = jobIdOf(await create("https://100000000001.cos-control.ap-guangzhou.myqcloud.com/jobs", "1250000001"));
    expect((await jobs.get(a))!.tenant).toEqual({ dialect: "cos", account: "1250000000", region: "" });
    expect((await jobs.get(b))!.tenant).toEqual({ dialect: "cos", account: "1250000001", region: "ap-guangzhou" });
    // Another appid does not see the job.
    const res = await handler(new Request(`http://127.0.0.1:9000/jobs/${a}`, { headers: { "x-cos-appid": "1250000001" } }));
    expect(res.status).toBe(404);
  });

  it("checks a Content-MD5 that is sent, as the Go SDK sends one", async () => {
    const { send } = fetchRig();
    const md5 = (await import("node:crypto")).createHash("md5").update(CREATE_COPY_DCJ).digest("base64");
    expect((await send("POST", "/jobs", { body: CREATE_COPY_DCJ, headers: { "content-md5": md5 } })).status).toBe(200);
    const bad = await send("POST", "/jobs", { body: CREATE_COPY_DCJ, headers: { "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" } });
    expect([bad.status, element(bad.text, "Code")]).toEqual([400, "BadDigest"]);
    const garbled = await send("POST", "/jobs", { body: CREATE_COPY_DCJ, headers: { "content-md5": "not-md5" } });
    expect([garbled.status, element(garbled.text, "Code")]).toEqual([400, "InvalidDigest"]);
  });
});

describe("the four operations (spec §7)", () => {
  it.each([
    ["COSPutObjectCopy with every element", COPY_EVERYTHING, {
      type: "copy",
      targetBucket: "result-1250000000",
      keyPrefixReplace: true,
      sourceKeyPrefix: "pic",
      targetKeyPrefix: "abc",
      storageClass: "STANDARD_IA",
      metadataDirective: "REPLACE",
      metadata: {
        cacheControl: "max-age=600",
        contentDisposition: "attachment",
        contentEncoding: "gzip",
        contentType: "text/plain",
        httpExpiresDate: Date.UTC(2030, 11, 19, 18, 0, 29),
        sseAlgorithm: "AES256",
        userMetadata: { "x-cos-meta-a": "1", "x-cos-meta-b": "2" },
      },
      taggingDirective: "ADD",
      tags: [{ key: "team", value: "blue" }],
      aclDirective: "REPLACE",
      cannedAcl: "public-read",
      grants: [
        { grantee: { type: "id", identifier: "qcs::cam::uin/100000000001:uin/100000000001", displayName: "alice" }, permission: "READ" },
        { grantee: { type: "id", identifier: "qcs::cam::uin/100000000002:uin/100000000002" }, permission: "FULL_CONTROL" },
      ],
      modifiedSince: 1576778400_000,
      unmodifiedSince: Date.UTC(2019, 11, 20),
    }],
    ["COSInitiateRestoreObject", RESTORE, { type: "restore", days: 3, tier: "Bulk" }],
    ["COSPutObjectTagging (Replaced)", TAGGING, { type: "putTagging", tags: [{ key: "k1", value: "v1" }, { key: "k2", value: "" }] }],
    ["COSPutObjectTagging (Add)", TAGGING.replace("Replaced", "Add"), { type: "addTagging", tags: [{ key: "k1", value: "v1" }, { key: "k2", value: "" }] }],
    ["COSDeleteObject", DELETE, { type: "delete" }],
  ])("%s: decodes to the core operation and DescribeJob echoes it as sent", async (_name, xml, expected) => {
    const { send, store } = fetchRig();
    const res = await send("POST", "/jobs", { body: createBody({ operation: xml }) });
    expect(res.status).toBe(200);
    expect((await store.get(jobIdOf(res.text)))!.operation).toEqual(expected);
    const described = await send("GET", `/jobs/${jobIdOf(res.text)}`);
    const echoed = /<Operation>([\s\S]*)<\/Operation>/.exec(described.text)![1]!;
    // An empty element may come back self-closed.
    expect(norm(echoed)).toBe(norm(xml).replace(/<(\w+)><\/\1>/g, "<$1/>"));
    const listed = await send("GET", "/jobs");
    expect(element(listed.text, "Operation")).toBe(/^<(\w+)/.exec(xml.trim())![1]);
  });

  it("keeps prefix fields without PrefixReplace out of the copy (D-CE) but echoes them", async () => {
    const { send, store } = fetchRig();
    const op = "<COSPutObjectCopy><ResourcesPrefix>pic</ResourcesPrefix><TargetKeyPrefix>abc</TargetKeyPrefix><TargetResource>qcs::cos:ap-chengdu::t-1250000000</TargetResource></COSPutObjectCopy>";
    const res = await send("POST", "/jobs", { body: createBody({ operation: op }) });
    expect((await store.get(jobIdOf(res.text)))!.operation).toEqual({ type: "copy", targetBucket: "t-1250000000" });
    expect(norm((await send("GET", `/jobs/${jobIdOf(res.text)}`)).text)).toContain(`<Operation>${op}</Operation>`);
  });
});

describe("DescribeJob (GET /jobs/<JobId>)", () => {
  it("answers the Go SDK's DescribeJob fixture for the job that fixture describes", async () => {
    const clock = new ManualClock(Date.UTC(2019, 11, 19, 18, 0, 30));
    // An upper-case UUID source shows the policy's lower-casing.
    const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: { uuid: () => "53DC6228-C50B-46F7-8AD7-65E7159F1AAE" } });
    const handler = createFetchHandler({ jobs, dialects: [cosDialect({ ids: countingIds() })] });
    const body = createBody({
      replace: [
        ["qcs::cos:ap-chengdu::sourcebucket-1250000000/manifests", "qcs::cos:ap-chengdu:uid/1250000000:sourcebucket-1250000000/manifests"],
        ["<Bucket>qcs::cos:ap-chengdu::sourcebucket", "<Bucket>qcs::cos:ap-chengdu:uid/1250000000:sourcebucket"],
      ],
    });
    const headers = { "x-cos-appid": APPID };
    const created = await handler(new Request("http://100000000001.cos-control.ap-chengdu.myqcloud.com/jobs", { method: "POST", headers, body }));
    const id = jobIdOf(await created.text());
    expect(id).toBe("53dc6228-c50b-46f7-8ad7-65e7159f1aae");
    // What the engine does over the next 12 seconds.
    await drive(jobs, id, TO_ACTIVE);
    await jobs.update(id, (d) => {
      d.progress = { ...d.progress, total: 10, succeeded: 10, failed: 0 };
    });
    clock.advanceTo(Date.UTC(2019, 11, 19, 18, 0, 42));
    await drive(jobs, id, ["finish", "complete"]);
    await jobs.update(id, (d) => {
      d.statusUpdateReason = "Job complete";
    });

    const res = await handler(new Request(`http://100000000001.cos-control.ap-chengdu.myqcloud.com/jobs/${id}`, { headers }));
    expect(res.status).toBe(200);
    // spec §4.3 (GOT), with its &quot; entities written as the characters they stand for.
    expect(norm(await res.text())).toBe(
      norm(`<DescribeJobResult><Job>
  <ConfirmationRequired>false</ConfirmationRequired>
  <CreationTime>2019-12-19T18:00:30Z</CreationTime>
  <Description>example-job</Description>
  <FailureReasons><JobFailure><FailureCode/><FailureReason/></JobFailure></FailureReasons>
  <JobId>53dc6228-c50b-46f7-8ad7-65e7159f1aae</JobId>
  <Manifest><Location><ETag>"15150651828fa9cdcb8356b6d1c7638b"</ETag>
      <ObjectArn>qcs::cos:ap-chengdu:uid/1250000000:sourcebucket-1250000000/manifests/batch-copy-manifest.csv</ObjectArn></Location>
    <Spec><Fields><member>Bucket</member><member>Key</member></Fields><Format>COSBatchOperations_CSV_V1</Format></Spec></Manifest>
  <Operation><COSPutObjectCopy><TargetResource>qcs::cos:ap-chengdu:uid/1250000000:destinationbucket-1250000000</TargetResource></COSPutObjectCopy></Operation>
  <Priority>10</Priority>
  <ProgressSummary><NumberOfTasksFailed>0</NumberOfTasksFailed><NumberOfTasksSucceeded>10</NumberOfTasksSucceeded><TotalNumberOfTasks>10</TotalNumberOfTasks></ProgressSummary>
  <Report><Bucket>qcs::cos:ap-chengdu:uid/1250000000:sourcebucket-1250000000</Bucket><Enabled>true</Enabled><Format>Report_CSV_V1</Format><Prefix>job-result</Prefix><ReportScope>AllTasks</ReportScope></Report>
  <RoleArn>qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole</RoleArn>
  <Status>Complete</Status>
  <StatusUpdateReason>Job complete</StatusUpdateReason>
  <TerminationDate>2019-12-19T18:00:42Z</TerminationDate>
</Job></DescribeJobResult>`),
    );
  });

  it("lists failure reasons, and a suspended job's date", async () => {
    const { send, jobs } = fetchRig();
    const id = jobIdOf((await send("POST", "/jobs", { body: CREATE_COPY_DCJ })).text);
    await drive(jobs, id, TO_SUSPENDED);
    expect(element((await send("GET", `/jobs/${id}`)).text, "SuspendedDate")).toBe("2019-12-19T18:00:30Z");
    await jobs.advance(id, "expire", (d) => {
      d.failureReasons.push({ code: "ManifestNotFound", reason: "no such key" }, { code: "Timeout", reason: "late" });
    });
    expect(norm((await send("GET", `/jobs/${id}`)).text)).toContain(
      "<FailureReasons><JobFailure><FailureCode>ManifestNotFound</FailureCode><FailureReason>no such key</FailureReason></JobFailure><JobFailure><FailureCode>Timeout</FailureCode><FailureReason>late</FailureReason></JobFailure></FailureReasons>",
    );
  });

  it("rebuilds ARNs for a job created without the dialect", async () => {
    const { send, jobs } = fetchRig();
    const { job } = await jobs.createJob(
      { dialect: "cos", account: APPID, region: "ap-chengdu" },
      {
        clientRequestToken: "t",
        priority: 1,
        confirmationRequired: false,
        role: "qcs::cam::uin/1:roleName/r",
        operation: { type: "copy", targetBucket: "dst-1250000000", modifiedSince: 1_700_000_000_000 },
        manifest: { location: { bucket: "src-1250000000", key: "m.csv", etag: "e" }, format: "csv", fields: ["bucket", "key"] },
        report: { enabled: false },
      },
    );
    const xml = norm((await send("GET", `/jobs/${job.id}`)).text);
    expect(xml).toContain("<ObjectArn>qcs::cos:ap-chengdu:uid/1250000000:src-1250000000/m.csv</ObjectArn>");
    expect(xml).toContain("<COSPutObjectCopy><ModifiedSinceConstraint>1700000000</ModifiedSinceConstraint><TargetResource>qcs::cos:ap-chengdu:uid/1250000000:dst-1250000000</TargetResource></COSPutObjectCopy>");
    expect(xml).toContain("<Report><Enabled>false</Enabled></Report>");
  });
});

describe("ListJobs (GET /jobs)", () => {
  async function threeJobs() {
    const rig = fetchRig();
    const ids: string[] = [];
    for (const token of ["a", "b", "c"]) {
      ids.push(jobIdOf((await rig.send("POST", "/jobs", { body: createBody({ token }) })).text));
      rig.clock.advance(1000);
    }
    return { ...rig, ids };
  }

  it("pages with maxResults and nextToken: NextToken is the page's last JobId, empty on the last page", async () => {
    const { send, ids } = await threeJobs();
    const first = await send("GET", "/jobs?maxResults=2");
    expect(first.status).toBe(200);
    const listed = (xml: string) => [...xml.matchAll(/<JobId>([^<]*)<\/JobId>/g)].map((m) => m[1]);
    // Newest first.
    expect(listed(first.text)).toEqual([ids[2], ids[1]]);
    expect(element(first.text, "NextToken")).toBe(ids[1]);
    const second = await send("GET", `/jobs?maxResults=2&nextToken=${ids[1]}`);
    expect(listed(second.text)).toEqual([ids[0]]);
    expect(element(second.text, "NextToken")).toBe("");
    // The empty token a caller's loop hands back is no token.
    expect(listed((await send("GET", "/jobs?nextToken=")).text)).toHaveLength(3);
  });

  it("answers each job as a member in the docs' shape", async () => {
    const { send, ids, jobs } = await threeJobs();
    await drive(jobs, ids[0]!, TO_COMPLETE);
    const res = await send("GET", "/jobs?jobStatuses=Complete");
    expect(norm(res.text)).toBe(
      `<ListJobsResult><Jobs><member><CreationTime>2019-12-19T18:00:30Z</CreationTime><Description>example-job</Description><JobId>${ids[0]}</JobId><Operation>COSPutObjectCopy</Operation><Priority>10</Priority><ProgressSummary><NumberOfTasksFailed>0</NumberOfTasksFailed><NumberOfTasksSucceeded>0</NumberOfTasksSucceeded><TotalNumberOfTasks>0</TotalNumberOfTasks></ProgressSummary><Status>Complete</Status><TerminationDate>2019-12-19T18:00:33Z</TerminationDate></member></Jobs><NextToken/></ListJobsResult>`,
    );
  });

  it("filters by one status, a repeated parameter or a comma list", async () => {
    const { send, ids, jobs } = await threeJobs();
    await drive(jobs, ids[0]!, TO_ACTIVE);
    await drive(jobs, ids[1]!, TO_SUSPENDED);
    const count = async (q: string) => [...(await send("GET", `/jobs?${q}`)).text.matchAll(/<member>/g)].length;
    expect(await count("jobStatuses=Active")).toBe(1);
    expect(await count("jobStatuses=Active&jobStatuses=Suspended")).toBe(2);
    expect(await count("jobStatuses=Active,Suspended,New")).toBe(3);
    expect(await count("jobStatuses=Failed")).toBe(0);
    expect(norm((await send("GET", "/jobs?jobStatuses=Failed")).text)).toBe("<ListJobsResult><Jobs/><NextToken/></ListJobsResult>");
  });
});

describe("UpdateJobPriority, UpdateJobStatus, DeleteJob", () => {
  it("UpdateJobPriority answers the job and its new priority (D-UP, GOT)", async () => {
    const { send } = fetchRig();
    const id = jobIdOf((await send("POST", "/jobs", { body: CREATE_COPY_DCJ })).text);
    const res = await send("POST", `/jobs/${id}/priority?priority=2147483647`);
    expect(res.text).toBe(`<?xml version="1.0" encoding="UTF-8"?><UpdateJobPriorityResult><JobId>${id}</JobId><Priority>2147483647</Priority></UpdateJobPriorityResult>`);
    expect(element((await send("GET", `/jobs/${id}`)).text, "Priority")).toBe("2147483647");
  });

  it("UpdateJobStatus replays GOT's request: Go's + for a space, Content-Length 0", async () => {
    const { send, jobs } = fetchRig();
    const id = jobIdOf((await send("POST", "/jobs", { body: createBody({ replace: [["<ConfirmationRequired>false", "<ConfirmationRequired>true"]] }) })).text);
    await drive(jobs, id, TO_SUSPENDED);
    const res = await send("POST", `/jobs/${id}/status?requestedJobStatus=Ready&statusUpdateReason=to+do`, { headers: { "content-length": "0" } });
    expect(res.status).toBe(200);
    expect(norm(res.text)).toBe(`<UpdateJobStatusResult><JobId>${id}</JobId><Status>Ready</Status><StatusUpdateReason>to do</StatusUpdateReason></UpdateJobStatusResult>`);
  });

  it("UpdateJobStatus cancels a running job through Cancelling, a waiting one at once", async () => {
    const { send, jobs } = fetchRig();
    const running = jobIdOf((await send("POST", "/jobs", { body: createBody({ token: "r" }) })).text);
    const waiting = jobIdOf((await send("POST", "/jobs", { body: createBody({ token: "w" }) })).text);
    await drive(jobs, running, TO_ACTIVE);
    expect(element((await send("POST", `/jobs/${running}/status?requestedJobStatus=Cancelled`)).text, "Status")).toBe("Cancelling");
    const res = await send("POST", `/jobs/${waiting}/status?requestedJobStatus=Cancelled`);
    expect(norm(res.text)).toBe(`<UpdateJobStatusResult><JobId>${waiting}</JobId><Status>Cancelled</Status></UpdateJobStatusResult>`);
  });

  it("DeleteJob removes a finished job (200, empty body) and refuses a running one", async () => {
    const { send, jobs } = fetchRig();
    const id = jobIdOf((await send("POST", "/jobs", { body: CREATE_COPY_DCJ })).text);
    await drive(jobs, id, TO_ACTIVE);
    const refused = await send("DELETE", `/jobs/${id}`);
    expect([refused.status, element(refused.text, "Code")]).toEqual([400, "InvalidRequest"]);
    expect(element(refused.text, "Message")).toMatch(/is Active; only a finished job .* can be deleted: cancel it first/);
    await drive(jobs, id, ["finish", "complete"]);
    const deleted = await send("DELETE", `/jobs/${id}`);
    expect([deleted.status, deleted.text, deleted.headers.get("content-type")]).toEqual([200, "", null]);
    expect(deleted.headers.get("x-cos-request-id")).toBeTruthy();
    expect((await send("GET", `/jobs/${id}`)).status).toBe(404);
    expect(element((await send("DELETE", `/jobs/${id}`)).text, "Code")).toBe("NoSuchJob");
  });
});
