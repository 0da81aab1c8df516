import { describe, expect, it } from "vitest";
import { uuidOfJobId } from "../../../dialects/oss/index.js";
import { randomIds } from "../../../src/index.js";
import { elements, readSeed, seedExchange, seedRequest } from "../../support/seed-http.js";
import { JOB_ID, ossHarness, textOf } from "./harness.js";

/**
 * The two OSS seeds' examples, replayed verbatim: request line, headers and body are read out of
 * the documents (test/fixtures/seeds/, byte-for-byte copies of shared/seeds/) and sent through
 * the fetch handler; the answers are compared element by element with the documents' samples.
 */
const createJob = seedExchange(readSeed("004_31b1e9b458d781a0.txt"));
const updateJobStatus = seedExchange(readSeed("000_ada2d004f621073e.txt"));

/** The id both documents use; it decodes to this UUID (spec §3.1). */
const SEED_JOB_ID = "MzRjZGU2NGQ3YTY5NGRhMTkxZmZhYzY5OTM5YTcxYWU=";
const SEED_UUID = "34cde64d-7a69-4da1-91ff-ac69939a71ae";

describe("seed 004: CreateJob", () => {
  it("reads the document's example as the request it shows", () => {
    expect(createJob.request.method).toBe("POST");
    expect(createJob.request.target).toBe("/?batchJob");
    expect(createJob.request.headers).toEqual([
      ["Host", "oss-cn-hangzhou.aliyuncs.com"],
      ["Authorization", "SignatureValue"],
    ]);
    expect(createJob.request.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?> <CreateJobRequest>.*<\/CreateJobRequest>$/);
    expect(createJob.response.status).toBe(200);
  });

  it("answers the sample response exactly when the id source yields the document's UUID", async () => {
    expect(uuidOfJobId(SEED_JOB_ID)).toBe(SEED_UUID);
    const { handler } = ossHarness({ uuids: [SEED_UUID] });
    const res = await handler(seedRequest(createJob.request));
    expect(res.status).toBe(createJob.response.status);
    expect(res.headers.get("content-type")).toBe("application/xml");
    expect(res.headers.get("x-oss-request-id")).toMatch(/^[0-9A-F]{24}$/);
    expect(elements(await res.text())).toEqual(elements(createJob.response.body));
  });

  it("answers in the sample's shape with a generated id (base64 of a fresh UUID's hex)", async () => {
    const { handler } = ossHarness({ ids: randomIds });
    const res = await handler(seedRequest(createJob.request));
    const body = await res.text();
    // The JobId differs from the sample's by design (a new job); its shape is the documented one.
    expect(elements(body)).toEqual(
      elements(createJob.response.body).map((e) => (e.path === "CreateJobResult/JobId" ? { ...e, text: expect.stringMatching(JOB_ID) } : e)),
    );
    expect(uuidOfJobId(textOf(body, "JobId")!)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("keeps the job as submitted: DescribeJob echoes every element of the request", async () => {
    const { handler, send } = ossHarness({ uuids: [SEED_UUID] });
    await handler(seedRequest(createJob.request));
    // The placeholder credential `SignatureValue` names the account the job belongs to.
    const res = await send("GET", `/?batchJob&batchJobId=${encodeURIComponent(SEED_JOB_ID)}`, { auth: "SignatureValue" });
    expect(res.status).toBe(200);
    const job = elements(await res.text())
      .filter((e) => e.path !== "DescribeJobResult" && !/\/(CreationTime|JobId|ProgressSummary|FailureReasons|Status)(\/|$)/.test(e.path))
      .map((e) => ({ ...e, path: e.path.replace("DescribeJobResult/Job", "CreateJobRequest") }));
    const sent = elements(createJob.request.body!).filter((e) => !e.path.endsWith("/ClientRequestToken"));
    expect(job).toEqual(sent);
  });

  it("answers the same job again for the same request (ClientRequestToken)", async () => {
    const { handler, store } = ossHarness();
    const first = await (await handler(seedRequest(createJob.request))).text();
    const again = await (await handler(seedRequest(createJob.request))).text();
    expect(textOf(again, "JobId")).toBe(textOf(first, "JobId"));
    expect(await store.list({ tenant: { dialect: "oss", account: "SignatureValue", region: "cn-hangzhou" }, limit: 10 })).toHaveLength(1);
  });
});

describe("seed 000: UpdateJobStatus", () => {
  it("reads the document's example as the request it shows", () => {
    expect(updateJobStatus.request).toEqual({
      method: "POST",
      target:
        "/?batchJobStatus&batchJobId=MzRjZGU2NGQ3YTY5NGRhMTkxZmZhYzY5OTM5YTcxYWU=&requestedJobStatus=Cancelled&statusUpdateReason=User%20requested%20cancellation",
      headers: [
        ["Host", "oss-cn-hangzhou.aliyuncs.com"],
        ["Authorization", "OSS LTAI4Fw2Nb3o4f5a3a1f****:2s98lj9n796c9kdc6b5f4l5b****"],
      ],
    });
    expect(updateJobStatus.response.status).toBe(200);
  });

  it("cancels the document's job and answers the sample response exactly", async () => {
    // The job must exist for the seed's request to work verbatim: create it (with seed 004's body)
    // under the seed's account and region, with the id source yielding the UUID the id encodes.
    const { handler } = ossHarness({ uuids: [SEED_UUID] });
    const authorization = updateJobStatus.request.headers.find(([n]) => n === "Authorization")!;
    const created = await handler(
      seedRequest({ ...createJob.request, headers: [...createJob.request.headers.filter(([n]) => n !== "Authorization"), authorization] }),
    );
    expect(textOf(await created.text(), "JobId")).toBe(SEED_JOB_ID);

    const res = await handler(seedRequest(updateJobStatus.request));
    expect(res.status).toBe(updateJobStatus.response.status);
    expect(res.headers.get("x-oss-request-id")).toMatch(/^[0-9A-F]{24}$/);
    expect(elements(await res.text())).toEqual(elements(updateJobStatus.response.body));
  });

  it("answers NoSuchJob when the document's job does not exist", async () => {
    const { handler } = ossHarness();
    const res = await handler(seedRequest(updateJobStatus.request));
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(textOf(body, "Code")).toBe("NoSuchJob");
    expect(textOf(body, "EC")).toBe(res.headers.get("x-oss-ec"));
  });
});
