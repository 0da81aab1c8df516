import COS from "cos-nodejs-sdk-v5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changed, flip, KEYS, signedServer, xmlText, type Hit } from "../../support/signed.js";
import { createBody } from "./examples.js";

/**
 * The COS XML API signature through cos-nodejs-sdk-v5's signed request(): accepted; each signed
 * part changed alone is SignatureDoesNotMatch; skew, expiry, an unknown key and another APPID's
 * key each get COS's code, in COS's <Error>.
 */
const HOST = "100000000001.cos-control.ap-chengdu.myqcloud.com";
let rig: Awaited<ReturnType<typeof signedServer>>;

type Key = { accessKeyId: string; secretAccessKey: string };

function sdk(key: Key = KEYS.cos, options: { SystemClockOffset?: number; SecurityToken?: string } = {}) {
  // Ip sends to the local server while the URL, and the signed Host, stay the cos-control host.
  return new COS({ SecretId: key.accessKeyId, SecretKey: key.secretAccessKey, Ip: `127.0.0.1:${rig.port}`, CorrectClockSkew: false, ...options } as COS.COSOptions);
}

async function call(
  cos: COS,
  method: string,
  path: string,
  params: { query?: Record<string, string>; body?: string; appid?: string; headers?: Record<string, string> } = {},
): Promise<{ ok: true; data: unknown } | { ok: false; code?: string; status?: number }> {
  try {
    const data = await cos.request({
      Method: method,
      Url: `http://${HOST}${path}`,
      Query: params.query,
      Body: params.body,
      Headers: { "x-cos-appid": params.appid ?? KEYS.cos.account, ...params.headers },
    });
    return { ok: true, data };
  } catch (e) {
    const err = e as { code?: string; statusCode?: number };
    return { ok: false, code: err.code, status: err.statusCode };
  }
}

async function answer(hit: Hit) {
  const res = await rig.send(hit);
  return { status: res.status, code: xmlText(res.text, "Code"), envelope: res.text.includes("<Error>") && res.text.includes("<TraceId>") };
}

let jobId: string;
let priorityHit: Hit;
beforeAll(async () => {
  rig = await signedServer();
  const created = await call(sdk(), "POST", "/jobs", { body: createBody() });
  if (!created.ok) throw new Error(`CreateJob refused: ${JSON.stringify(created)}`);
  jobId = (created.data as { CreateJobResult: { JobId: string } }).CreateJobResult.JobId;
  const updated = await call(sdk(), "POST", `/jobs/${jobId}/priority`, { query: { priority: "7" } });
  expect(updated.ok).toBe(true);
  priorityHit = rig.hits.at(-1)!;
});
afterAll(() => rig.close());

describe("COS signatures through cos-nodejs-sdk-v5", () => {
  it("accepts what the SDK signs: describe, list, update", async () => {
    expect(priorityHit.headers.authorization).toMatch(/^q-sign-algorithm=sha1&q-ak=AKIDExample.*&q-header-list=content-length;host;x-cos-appid&q-url-param-list=priority&q-signature=[0-9a-f]{40}$/);
    const described = await call(sdk(), "GET", `/jobs/${jobId}`);
    expect(described).toMatchObject({ ok: true });
    const listed = await call(sdk(), "GET", "/jobs", { query: { maxResults: "10" } });
    expect(JSON.stringify(listed)).toContain(jobId);
  });

  it("replays the recorded request unchanged: accepted", async () => {
    expect((await rig.send(priorityHit)).status).toBe(200);
  });

  const changes: [string, (h: Hit) => Hit][] = [
    ["the method", (h) => changed(h, { method: "PUT" })],
    ["the path", (h) => changed(h, { target: h.target.replace(jobId, flip(jobId)) })],
    ["a signed query parameter", (h) => changed(h, { target: h.target.replace("priority=7", "priority=8") })],
    ["a signed header (x-cos-appid)", (h) => changed(h, { headers: { "x-cos-appid": "1250000009" } })],
    ["the signed Host", (h) => changed(h, { headers: { host: "100000000002.cos-control.ap-chengdu.myqcloud.com" } })],
    [
      "the date (q-sign-time)",
      (h) => changed(h, { headers: { authorization: h.headers.authorization!.replace(/q-sign-time=(\d+);(\d+)/, (_, a: string, b: string) => `q-sign-time=${Number(a) + 1};${b}`) } }),
    ],
    ["the signature", (h) => changed(h, { headers: { authorization: flip(h.headers.authorization!) } })],
  ];
  for (const [part, change] of changes) {
    it(`refuses ${part} changed: 403 SignatureDoesNotMatch`, async () => {
      expect(await answer(change(priorityHit))).toEqual({ status: 403, code: "SignatureDoesNotMatch", envelope: true });
    });
  }

  it("refuses a changed body: its Content-MD5 is signed, and the dialect checks the MD5 against the body", async () => {
    const body = createBody({ token: "token-aaaa" });
    const md5 = (await import("node:crypto")).createHash("md5").update(body).digest("base64");
    const sent = await call(sdk(), "POST", "/jobs", { body, headers: { "content-md5": md5 } });
    expect(sent).toMatchObject({ ok: true });
    const hit = rig.hits.at(-1)!;
    expect(hit.headers.authorization).toContain("content-md5");
    // Same length: Content-Length is signed too.
    const other = Buffer.from(body.replace("token-aaaa", "token-aaab"));
    expect((await answer(changed(hit, { body: other }))).code).toBe("BadDigest");
    const otherMd5 = (await import("node:crypto")).createHash("md5").update(other).digest("base64");
    expect(await answer(changed(hit, { body: other, headers: { "content-md5": otherMd5 } }))).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("refuses the secret changed: SignatureDoesNotMatch", async () => {
    expect(await call(sdk({ ...KEYS.cos, secretAccessKey: `${KEYS.cos.secretAccessKey}x` }), "GET", `/jobs/${jobId}`)).toEqual({
      ok: false,
      code: "SignatureDoesNotMatch",
      status: 403,
    });
  });

  it("refuses a signature that expired (ExpiredToken) and one not valid for 20 more minutes (RequestTimeTooSkewed)", async () => {
    expect(await call(sdk(KEYS.cos, { SystemClockOffset: -20 * 60_000 }), "GET", `/jobs/${jobId}`)).toEqual({ ok: false, code: "ExpiredToken", status: 403 });
    expect(await call(sdk(KEYS.cos, { SystemClockOffset: 20 * 60_000 }), "GET", `/jobs/${jobId}`)).toEqual({ ok: false, code: "RequestTimeTooSkewed", status: 403 });
  });

  it("accepts temporary credentials with their x-cos-security-token, and refuses them without it", async () => {
    expect(await call(sdk(KEYS.cosSession, { SecurityToken: KEYS.cosSession.sessionToken }), "GET", `/jobs/${jobId}`)).toMatchObject({ ok: true });
    expect(await call(sdk(KEYS.cosSession), "GET", `/jobs/${jobId}`)).toEqual({ ok: false, code: "AccessDenied", status: 403 });
    expect(await call(sdk(KEYS.cosSession, { SecurityToken: "another" }), "GET", `/jobs/${jobId}`)).toEqual({ ok: false, code: "AccessDenied", status: 403 });
  });

  it("refuses an unknown key: InvalidAccessKeyId", async () => {
    expect(await call(sdk({ accessKeyId: "AKIDUnknownUnknownUnknown000000000", secretAccessKey: "x" }), "GET", `/jobs/${jobId}`)).toEqual({
      ok: false,
      code: "InvalidAccessKeyId",
      status: 403,
    });
  });

  it("refuses another APPID's key: AccessDenied, and the key works for its own APPID", async () => {
    expect(await call(sdk(KEYS.cosOther), "GET", `/jobs/${jobId}`)).toEqual({ ok: false, code: "AccessDenied", status: 403 });
    expect(await call(sdk(KEYS.cosOther), "GET", `/jobs/${jobId}`, { appid: KEYS.cosOther.account })).toEqual({ ok: false, code: "NoSuchJob", status: 404 });
  });

  it("refuses a request without a signature: AccessDenied", async () => {
    const { authorization: _, ...headers } = priorityHit.headers;
    expect(await answer({ ...priorityHit, headers })).toEqual({ status: 403, code: "AccessDenied", envelope: true });
  });

  it("accepts the signature as query parameters, as COS does", async () => {
    const pairs = new URLSearchParams(priorityHit.headers.authorization!);
    const { authorization: _, ...headers } = priorityHit.headers;
    const target = `${priorityHit.target}&${pairs.toString()}`;
    expect((await rig.send({ ...priorityHit, target, headers })).status).toBe(200);
  });
});
