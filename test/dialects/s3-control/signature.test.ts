import { createHash } from "node:crypto";
import {
  CreateJobCommand,
  DescribeJobCommand,
  ListJobsCommand,
  S3ControlClient,
  UpdateJobPriorityCommand,
} from "@aws-sdk/client-s3-control";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../../dialects/s3-control/index.js";
import { changed, flip, KEYS, Sha256, signedServer, xmlText, type Hit } from "../../support/signed.js";
import { tagJobInput } from "./support.js";

/**
 * SigV4 through the AWS SDK v3 S3 Control client's own signer: accepted as signed; each signed
 * part changed alone is SignatureDoesNotMatch; skew, expiry, an unknown key and another account's
 * key each get S3's code, in S3 Control's <ErrorResponse>.
 */

let rig: Awaited<ReturnType<typeof signedServer>>;
const clients: S3ControlClient[] = [];
const ACCOUNT = KEYS.s3.account;

function client(key: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = KEYS.s3, extra: { systemClockOffset?: number; region?: string } = {}) {
  const c = new S3ControlClient({ ...localEndpointConfig(rig.url, { region: extra.region, credentials: key }), maxAttempts: 1, systemClockOffset: extra.systemClockOffset });
  clients.push(c);
  return c;
}

async function refusal(promise: Promise<unknown>) {
  const e = (await promise.then(
    () => undefined,
    (x: unknown) => x,
  )) as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string } | undefined;
  if (!e) throw new Error("the request was accepted");
  return { code: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
}

async function errorOf(hit: Hit) {
  const res = await rig.send(hit);
  return { status: res.status, code: xmlText(res.text, "Code"), envelope: res.text.includes("<ErrorResponse") };
}

let jobId: string;
let createHit: Hit;
let priorityHit: Hit;

beforeAll(async () => {
  rig = await signedServer();
  const before = rig.hits.length;
  const created = await client().send(new CreateJobCommand(tagJobInput()));
  jobId = created.JobId!;
  createHit = rig.hits[before]!;
  await client().send(new UpdateJobPriorityCommand({ AccountId: ACCOUNT, JobId: jobId, Priority: 7 }));
  priorityHit = rig.hits.at(-1)!;
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await rig.close();
});

describe("S3 Control signatures (SigV4) through the AWS SDK v3", () => {
  it("accepts what the SDK signs, and runs it", async () => {
    expect(createHit.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request/);
    const job = await client().send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId }));
    expect(job.Job?.Priority).toBe(7);
    const listed = await client().send(new ListJobsCommand({ AccountId: ACCOUNT, JobStatuses: ["Active", "Suspended", "New", "Preparing"], MaxResults: 5 }));
    expect(listed.Jobs?.map((j) => j.JobId)).toContain(jobId);
  });

  it("accepts temporary credentials with their session token, and refuses them without it or with another", async () => {
    const job = await client(KEYS.s3Session).send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId }));
    expect(job.Job?.JobId).toBe(jobId);
    expect(await refusal(client({ ...KEYS.s3Session, sessionToken: undefined }).send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId })))).toMatchObject({
      code: "InvalidAccessKeyId",
      status: 403,
    });
    expect(await refusal(client({ ...KEYS.s3Session, sessionToken: "another-token" }).send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId })))).toMatchObject({
      code: "InvalidToken",
      status: 400,
    });
  });

  it("refuses a session token sent with a key that has none: InvalidToken 400", async () => {
    expect(await refusal(client({ ...KEYS.s3, sessionToken: "a-token-this-key-never-had" }).send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId })))).toMatchObject({
      code: "InvalidToken",
      status: 400,
    });
  });

  it("replays the recorded requests unchanged: accepted (the replay harness itself is sound)", async () => {
    expect((await rig.send(priorityHit)).status).toBe(200);
  });

  const priorityChanges: [string, (h: Hit) => Hit][] = [
    ["the method", (h) => changed(h, { method: "PUT" })],
    ["the path", (h) => changed(h, { target: h.target.replace(jobId, flip(jobId)) })],
    ["a query parameter", (h) => changed(h, { target: h.target.replace("priority=7", "priority=8") })],
    ["a signed header (x-amz-account-id)", (h) => changed(h, { headers: { "x-amz-account-id": "123456789013" } })],
    ["the signed Host", (h) => changed(h, { headers: { host: `localhost:${rig.port}` } })],
    ["the date", (h) => changed(h, { headers: { "x-amz-date": h.headers["x-amz-date"]!.replace(/(\d)Z$/, (_, d: string) => `${(Number(d) + 1) % 10}Z`) } })],
    ["the signature", (h) => changed(h, { headers: { authorization: flip(h.headers.authorization!) } })],
  ];
  for (const [part, change] of priorityChanges) {
    it(`refuses UpdateJobPriority with ${part} changed: SignatureDoesNotMatch 403`, async () => {
      expect(await errorOf(change(priorityHit))).toEqual({ status: 403, code: "SignatureDoesNotMatch", envelope: true });
    });
  }

  it("refuses a changed body: SignatureDoesNotMatch when its hash is changed with it, XAmzContentSHA256Mismatch when not", async () => {
    const body = Buffer.from(createHit.body.toString("utf8").replace("<Priority>42</Priority>", "<Priority>43</Priority>"));
    expect(body.equals(createHit.body)).toBe(false);
    const hash = createHash("sha256").update(body).digest("hex");
    expect(await errorOf(changed(createHit, { body, headers: { "x-amz-content-sha256": hash } }))).toEqual({ status: 403, code: "SignatureDoesNotMatch", envelope: true });
    expect(await errorOf(changed(createHit, { body }))).toEqual({ status: 400, code: "XAmzContentSHA256Mismatch", envelope: true });
  });

  it("refuses an aws-chunked (STREAMING-) payload, which no control-plane request needs: 400 InvalidRequest", async () => {
    expect(await errorOf(changed(createHit, { headers: { "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" } }))).toEqual({ status: 400, code: "InvalidRequest", envelope: true });
  });

  it("refuses the secret changed", async () => {
    const e = await refusal(client({ ...KEYS.s3, secretAccessKey: `${KEYS.s3.secretAccessKey}x` }).send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId })));
    expect(e).toMatchObject({ code: "SignatureDoesNotMatch", status: 403 });
  });

  it("refuses a clock 20 minutes off: RequestTimeTooSkewed 403", async () => {
    const e = await refusal(client(KEYS.s3, { systemClockOffset: -20 * 60_000 }).send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId })));
    expect(e).toMatchObject({ code: "RequestTimeTooSkewed", status: 403 });
  });

  it("refuses an unknown key: InvalidAccessKeyId 403", async () => {
    const e = await refusal(client({ accessKeyId: "AKIANOTAKEYWEKNOW000", secretAccessKey: "x" }).send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: jobId })));
    expect(e).toMatchObject({ code: "InvalidAccessKeyId", status: 403 });
  });

  it("refuses another account's key for this account: AccessDenied 403, and executes nothing", async () => {
    const tenant = { dialect: "s3-control", account: ACCOUNT, region: "us-east-1" };
    const before = (await rig.jobs.listJobs(tenant)).jobs.length;
    const e = await refusal(client(KEYS.s3Other).send(new CreateJobCommand(tagJobInput())));
    expect(e).toMatchObject({ code: "AccessDenied", status: 403 });
    const after = (await rig.jobs.listJobs(tenant)).jobs.length;
    expect(after).toBe(before);
    // The other key signs fine for its own account.
    const own = await client(KEYS.s3Other).send(new ListJobsCommand({ AccountId: KEYS.s3Other.account }));
    expect(own.Jobs ?? []).toEqual([]);
  });

  it("refuses a request without a signature: AccessDenied 403", async () => {
    const { authorization: _, ...headers } = priorityHit.headers;
    expect(await errorOf({ ...priorityHit, headers })).toEqual({ status: 403, code: "AccessDenied", envelope: true });
  });
});

describe("S3 Control presigned URLs (SigV4 query form)", () => {
  async function presign(expiresIn: number, signingDate = new Date(rig.clock.now())) {
    // The SDK's own signer (what its presigners wrap), with S3's settings: signing name s3, no double encoding.
    const signer = new SignatureV4({ credentials: KEYS.s3, region: "us-east-1", service: "s3", sha256: Sha256, uriEscapePath: false });
    const url = new URL(rig.url);
    const request = {
      method: "GET",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: `/v20180820/jobs/${jobId}`,
      query: {},
      // As @aws-sdk/s3-request-presigner does: S3 presigned URLs carry no payload hash.
      headers: { host: url.host, "x-amz-account-id": ACCOUNT, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    };
    const signed = await signer.presign(request, { expiresIn, signingDate });
    const query = new URLSearchParams(signed.query as Record<string, string>).toString();
    return { method: "GET", target: `${signed.path}?${query}`, headers: { host: url.host, "x-amz-account-id": ACCOUNT }, body: Buffer.alloc(0) } satisfies Hit;
  }

  it("accepts a presigned DescribeJob", async () => {
    const hit = await presign(300);
    expect(hit.target).toContain("X-Amz-Signature=");
    const res = await rig.send(hit);
    expect(res.text).not.toContain("<Error>");
    expect(res.status).toBe(200);
    expect(xmlText(res.text, "JobId")).toBe(jobId);
  });

  it("refuses it once expired (AccessDenied), past 7 days (AuthorizationQueryParametersError), or with a query parameter changed", async () => {
    const hit = await presign(300, new Date(rig.clock.now() - 10 * 60_000));
    expect(await errorOf(hit)).toEqual({ status: 403, code: "AccessDenied", envelope: true });
    const week = await presign(7 * 24 * 3600);
    expect((await rig.send(week)).status).toBe(200);
    const tooLong = await presign(300);
    expect(await errorOf({ ...tooLong, target: tooLong.target.replace("X-Amz-Expires=300", "X-Amz-Expires=604801") })).toEqual({
      status: 400,
      code: "AuthorizationQueryParametersError",
      envelope: true,
    });
    const ok = await presign(300);
    expect(await errorOf({ ...ok, target: ok.target.replace("X-Amz-Expires=300", "X-Amz-Expires=301") })).toEqual({ status: 403, code: "SignatureDoesNotMatch", envelope: true });
  });
});
