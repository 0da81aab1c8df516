import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { changed, KEYS, signedServer, xmlText, type Hit } from "../../support/signed.js";
import { createJobXml } from "./harness.js";

/**
 * OSS signatures through ali-oss's own signing functions: V1 (`signUtils.authorization` over
 * `buildCanonicalString`) and V4 (`signUtils.authorizationV4`), in the header and the presigned
 * URL forms. Each accepted; each signed part changed alone is SignatureDoesNotMatch with OSS's
 * StringToSign; skew, expiry, an unknown key each get OSS's code in OSS's <Error>.
 */
interface SignUtils {
  buildCanonicalString(method: string, resource: string, request: { headers: Record<string, string>; parameters?: Record<string, string> }, expires?: string): string;
  authorization(accessKeyId: string, secret: string, canonical: string): string;
  computeSignature(secret: string, canonical: string): string;
  authorizationV4(
    accessKeyId: string,
    secret: string,
    region: string,
    method: string,
    request: { headers: Record<string, string>; queries?: Record<string, string | null> },
    bucket?: string,
    object?: string,
    additionalHeaders?: string[],
  ): string;
  getCanonicalRequest(method: string, request: { headers: Record<string, string>; queries?: Record<string, string | null> }, bucket?: string, object?: string, additional?: string[]): string;
  getStringToSign(region: string, date: string, canonicalRequest: string): string;
  getSignatureV4(secret: string, date: string, region: string, stringToSign: string): string;
  getCredential(date: string, region: string, accessKeyId: string): string;
}
const signUtils = createRequire(import.meta.url)("ali-oss/lib/common/signUtils.js") as SignUtils;

const HOST = "oss-cn-hangzhou.aliyuncs.com";
const REGION = "cn-hangzhou";
/** The query parameters that are V1 sub-resources in these requests (spec §14.1, Go's list). */
const V1_SIGNED = new Set(["batchJob", "batchJobPriority", "batchJobStatus", "continuation-token"]);

let rig: Awaited<ReturnType<typeof signedServer>>;
type Key = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function query(target: string): [string, string | null][] {
  return [...new URL(`http://x${target}`).searchParams].map(([k, v]) => [k, v === "" ? null : v]);
}

function basicDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** A V1-signed request, as ali-oss signs one: x-oss-date is the Date line. */
function v1(method: string, target: string, body = "", key: Key = KEYS.oss, at = rig.clock.now()): Hit {
  const headers: Record<string, string> = { host: HOST, "x-oss-date": new Date(at).toUTCString() };
  if (body !== "") {
    headers["content-type"] = "application/xml";
    headers["content-md5"] = createHash("md5").update(body).digest("base64");
  }
  if (key.sessionToken) headers["x-oss-security-token"] = key.sessionToken;
  const parameters = Object.fromEntries(query(target).filter(([k]) => V1_SIGNED.has(k)).map(([k, v]) => [k, v ?? ""]));
  const canonical = signUtils.buildCanonicalString(method, "/", { headers, parameters });
  headers.authorization = signUtils.authorization(key.accessKeyId, key.secretAccessKey, canonical);
  return { method, target, headers, body: Buffer.from(body) };
}

/** A V4-signed request, as ali-oss signs one (UNSIGNED-PAYLOAD, Host as an additional header). */
function v4(method: string, target: string, body = "", key: Key = KEYS.oss, at = rig.clock.now()): Hit {
  const headers: Record<string, string> = { host: HOST, "x-oss-date": basicDate(at), "x-oss-content-sha256": "UNSIGNED-PAYLOAD" };
  if (body !== "") headers["content-type"] = "application/xml";
  const queries = Object.fromEntries(query(target));
  headers.authorization = signUtils.authorizationV4(key.accessKeyId, key.secretAccessKey, REGION, method, { headers, queries }, undefined, undefined, ["host"]);
  return { method, target, headers, body: Buffer.from(body) };
}

/** A V4 presigned URL, built the way ali-oss's signatureUrlV4 builds one. */
function v4Presigned(target: string, expires: number, at = rig.clock.now()): Hit {
  const date = basicDate(at);
  const queries: Record<string, string | null> = {
    ...Object.fromEntries(query(target)),
    "x-oss-credential": signUtils.getCredential(date.slice(0, 8), REGION, KEYS.oss.accessKeyId),
    "x-oss-date": date,
    "x-oss-expires": String(expires),
    "x-oss-signature-version": "OSS4-HMAC-SHA256",
  };
  const canonical = signUtils.getCanonicalRequest("GET", { headers: {}, queries });
  queries["x-oss-signature"] = signUtils.getSignatureV4(KEYS.oss.secretAccessKey, date.slice(0, 8), REGION, signUtils.getStringToSign(REGION, date, canonical));
  const search = Object.entries(queries)
    .map(([k, v]) => (v === null ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
    .join("&");
  return { method: "GET", target: `/?${search}`, headers: { host: HOST }, body: Buffer.alloc(0) };
}

/** A V1 presigned URL: Expires replaces the Date line. */
function v1Presigned(target: string, expiresAt: number): Hit {
  const expires = String(Math.floor(expiresAt / 1000));
  const parameters = Object.fromEntries(query(target).filter(([k]) => V1_SIGNED.has(k)).map(([k, v]) => [k, v ?? ""]));
  const canonical = signUtils.buildCanonicalString("GET", "/", { headers: {}, parameters }, expires);
  const signature = signUtils.computeSignature(KEYS.oss.secretAccessKey, canonical);
  const sep = target.includes("?") ? "&" : "?";
  return {
    method: "GET",
    target: `${target}${sep}OSSAccessKeyId=${KEYS.oss.accessKeyId}&Expires=${expires}&Signature=${encodeURIComponent(signature)}`,
    headers: { host: HOST },
    body: Buffer.alloc(0),
  };
}

async function answer(hit: Hit) {
  const res = await rig.send(hit);
  return { status: res.status, code: xmlText(res.text, "Code"), text: res.text, ec: res.headers["x-oss-ec"] };
}

let jobId: string;
beforeAll(async () => {
  rig = await signedServer();
  const created = await answer(v1("POST", "/?batchJob", createJobXml()));
  expect(created).toMatchObject({ status: 200 });
  jobId = xmlText(created.text, "JobId")!;
});
afterAll(() => rig.close());

describe.each([
  ["V1", v1],
  ["V4", v4],
] as const)("OSS %s signatures (ali-oss signUtils)", (version, sign) => {
  const priority = () => `/?batchJobPriority&batchJobId=${encodeURIComponent(jobId)}&targetPriority=5`;

  it("accepts each API signed, and the account is the key's configured account", async () => {
    expect(await answer(sign("POST", "/?batchJob", createJobXml()))).toMatchObject({ status: 200 });
    expect(await answer(sign("GET", `/?batchJob&batchJobId=${encodeURIComponent(jobId)}`))).toMatchObject({ status: 200 });
    expect(await answer(sign("POST", priority()))).toMatchObject({ status: 200 });
    const listed = await answer(sign("GET", "/?batchJob&max-keys=10"));
    expect(listed.status).toBe(200);
    expect(listed.text).toContain(jobId);
    // The other account's key sees none of these jobs.
    const other = await answer(sign("GET", "/?batchJob&max-keys=10", "", KEYS.ossOther));
    expect(other.status).toBe(200);
    expect(other.text).not.toContain(jobId);
    const described = await answer(sign("GET", `/?batchJob&batchJobId=${encodeURIComponent(jobId)}`, "", KEYS.ossOther));
    expect(described.status).toBe(404);
  });

  const changes: [string, () => Hit][] = [
    ["the method", () => changed(sign("POST", priority()), { method: "PUT" })],
    [
      "a signed query parameter",
      () => {
        const hit = sign("GET", "/?batchJob&continuation-token=abc");
        return changed(hit, { target: "/?batchJob&continuation-token=abd" });
      },
    ],
    ["a signed header (content-type)", () => {
      const hit = sign("POST", "/?batchJob", createJobXml());
      return changed(hit, { headers: { "content-type": "text/xml" } });
    }],
    ["the date", () => {
      const hit = sign("POST", priority());
      const d = hit.headers["x-oss-date"]!;
      return changed(hit, { headers: { "x-oss-date": version === "V1" ? new Date(Date.parse(d) + 1000).toUTCString() : basicDate(rig.clock.now() + 1000) } });
    }],
    ["the secret", () => sign("POST", priority(), "", { ...KEYS.oss, secretAccessKey: `${KEYS.oss.secretAccessKey}x` })],
  ];
  for (const [part, make] of changes) {
    it(`refuses ${part} changed: 403 SignatureDoesNotMatch with OSS's StringToSign`, async () => {
      const res = await answer(make());
      expect(res).toMatchObject({ status: 403, code: "SignatureDoesNotMatch", ec: "0002-00000040" });
      expect(xmlText(res.text, "StringToSign")).toMatch(version === "V1" ? /^(POST|GET|PUT)\n/ : /^OSS4-HMAC-SHA256\n/);
      expect(xmlText(res.text, "OSSAccessKeyId")).toBe(KEYS.oss.accessKeyId);
    });
  }

  it("refuses a changed body: by its Content-MD5 (V1 signs it), or as unsigned bytes the MD5 check catches", async () => {
    const body = createJobXml({ priority: "<Priority>11</Priority>" });
    const hit = v1("POST", "/?batchJob", createJobXml());
    expect(await answer(changed(hit, { body: Buffer.from(body) }))).toMatchObject({ status: 400, code: "InvalidDigest" });
    const md5 = createHash("md5").update(body).digest("base64");
    expect(await answer(changed(hit, { body: Buffer.from(body), headers: { "content-md5": md5 } }))).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("refuses a clock 20 minutes off: 403 RequestTimeTooSkewed", async () => {
    expect(await answer(sign("POST", priority(), "", KEYS.oss, rig.clock.now() - 20 * 60_000))).toMatchObject({ status: 403, code: "RequestTimeTooSkewed" });
  });

  it("refuses an unknown key: 403 InvalidAccessKeyId", async () => {
    expect(await answer(sign("POST", priority(), "", { accessKeyId: "LTAI5tUnknownKey000000", secretAccessKey: "x" }))).toMatchObject({
      status: 403,
      code: "InvalidAccessKeyId",
      ec: "0002-00000902",
    });
  });

  it("refuses a request without Authorization: 403 AccessDenied", async () => {
    const { authorization: _, ...headers } = sign("POST", priority()).headers;
    expect(await answer({ method: "POST", target: priority(), headers, body: Buffer.alloc(0) })).toMatchObject({ status: 403, code: "AccessDenied" });
  });
});

describe("OSS temporary credentials (STS)", () => {
  it("accept a request that carries the key's x-oss-security-token, and refuse one without it or with another", async () => {
    const target = "/?batchJob&max-keys=1";
    expect(await answer(v1("GET", target, "", KEYS.ossSession))).toMatchObject({ status: 200 });
    expect(await answer(v1("GET", target, "", { ...KEYS.ossSession, sessionToken: undefined }))).toMatchObject({ status: 403, code: "InvalidSecurityToken" });
    expect(await answer(v1("GET", target, "", { ...KEYS.ossSession, sessionToken: "another" }))).toMatchObject({ status: 403, code: "InvalidSecurityToken" });
  });
});

describe("OSS presigned URLs", () => {
  const describeJob = () => `/?batchJob&batchJobId=${encodeURIComponent(jobId)}`;

  it("V4 (x-oss-signature-version): accepted in time; expired is AccessDenied; a changed parameter is SignatureDoesNotMatch", async () => {
    expect(await answer(v4Presigned(describeJob(), 300))).toMatchObject({ status: 200 });
    expect(await answer(v4Presigned(describeJob(), 300, rig.clock.now() - 10 * 60_000))).toMatchObject({ status: 403, code: "AccessDenied" });
    const hit = v4Presigned(describeJob(), 300);
    expect(await answer({ ...hit, target: hit.target.replace("x-oss-expires=300", "x-oss-expires=301") })).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("V1 (OSSAccessKeyId, Expires, Signature): accepted in time; expired is AccessDenied", async () => {
    expect(await answer(v1Presigned(describeJob(), rig.clock.now() + 60_000))).toMatchObject({ status: 200 });
    expect(await answer(v1Presigned(describeJob(), rig.clock.now() - 1_000))).toMatchObject({ status: 403, code: "AccessDenied" });
  });
});
