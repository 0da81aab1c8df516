import type { WireRequest } from "../dialect.js";
import {
  canonicalPath,
  hmac,
  KeyCache,
  MAX_SKEW_MS,
  parseBasicTimestamp,
  rawParams,
  safeEqual,
  sha256Hex,
  SignatureError,
  uriEncode,
  type Credential,
  type KeyLookup,
  type Principal,
  type SignatureVerifier,
} from "../signature.js";
import { regionOf } from "./tenant.js";

/**
 * OSS request signatures (spec alibaba-oss.md §14): V1 (`OSS <AccessKeyId>:<Signature>`,
 * HMAC-SHA1, or the presigned `OSSAccessKeyId`/`Expires`/`Signature` query) and V4
 * (`OSS4-HMAC-SHA256 Credential=...`, or the presigned `x-oss-signature-version` query). With
 * credentials on, the account is the key's configured account. Codes are rows of errors.ts.
 */

const V4 = "OSS4-HMAC-SHA256";
const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;

/** Query parameters the SDKs sign as V1 sub-resources [GO-SIG, JV-SIG, TS], beside `x-oss-*` and `response-*`. */
const V1_SUBRESOURCES = new Set(
  "acl bucketInfo location stat delete append tagging objectMeta uploads uploadId partNumber security-token position restore callback callback-var versions versioning versionId sequential continuation-token regionList cloudboxes symlink resourceGroup cleanRestoredObject".split(
    " ",
  ),
);
/** The batch APIs' own sub-resources, which Go signs and Java does not (§14.1): both forms are accepted. */
const BATCH_SUBRESOURCES = new Set(["batchJob", "batchJobPriority", "batchJobStatus"]);
const V1_QUERY_AUTH = new Set(["OSSAccessKeyId", "Expires", "Signature"]);

const refuse = (code: string, message: string, details?: Record<string, string>) => new SignatureError(code, message, 403, details);

export const ossSignature: SignatureVerifier = {
  async verify(request, keys, nowMs): Promise<Principal> {
    const auth = request.headers.get("authorization")?.trim() ?? "";
    const query = request.url.searchParams;
    let credential: Credential;
    if (auth.startsWith(V4)) credential = await verifyV4(request, v4FromHeader(request, auth), keys, nowMs);
    else if (/^OSS\s/.test(auth)) credential = await verifyV1(request, v1FromHeader(auth), keys, nowMs);
    else if (auth === "" && query.get("x-oss-signature-version") === V4) credential = await verifyV4(request, v4FromQuery(query), keys, nowMs);
    else if (auth === "" && query.has("OSSAccessKeyId")) credential = await verifyV1(request, v1FromQuery(query), keys, nowMs);
    else if (auth === "") throw refuse("AccessDenied", "The request carries no signature: batch jobs belong to an account.");
    else throw new SignatureError("InvalidAuthorization", "Expected `OSS <AccessKeyId>:<Signature>` or `OSS4-HMAC-SHA256 Credential=...`.", 400);
    return { accessKeyId: credential.accessKeyId, account: credential.account };
  },
};

async function findKey(keys: KeyLookup, accessKeyId: string, token: string | undefined): Promise<Credential> {
  const credential = await keys(accessKeyId);
  if (!credential) throw refuse("InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.", { OSSAccessKeyId: accessKeyId });
  if (!safeEqual(credential.sessionToken ?? "", token ?? "")) throw refuse("InvalidSecurityToken", "The security token you provided is invalid.");
  return credential;
}

function mismatch(accessKeyId: string, provided: string, stringToSign: string, extra: Record<string, string> = {}): SignatureError {
  return refuse("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.", {
    OSSAccessKeyId: accessKeyId,
    SignatureProvided: provided.slice(0, 128),
    StringToSign: stringToSign,
    StringToSignBytes: [...Buffer.from(stringToSign, "utf8")].map((b) => b.toString(16).padStart(2, "0")).join(" "),
    ...extra,
  });
}

// ------------------------------------------------------------------------------------------ V1

interface V1 {
  accessKeyId: string;
  signature: string;
  /** The Date line: Date / x-oss-date (header form) or Expires (query form). */
  dateLine: string;
  expiresAt?: number;
  token?: string;
}

function v1FromHeader(auth: string): V1 {
  const m = /^OSS\s+([^:\s]+):(\S+)$/.exec(auth);
  if (!m) throw new SignatureError("InvalidAuthorization", "Expected `OSS <AccessKeyId>:<Signature>`.", 400);
  return { accessKeyId: m[1]!, signature: m[2]!, dateLine: "" };
}

function v1FromQuery(query: URLSearchParams): V1 {
  const expires = query.get("Expires") ?? "";
  const signature = query.get("Signature") ?? "";
  if (!/^\d{1,12}$/.test(expires) || signature === "") {
    throw new SignatureError("InvalidAuthorization", "A presigned URL needs OSSAccessKeyId, Expires (Unix seconds) and Signature.", 400);
  }
  return { accessKeyId: query.get("OSSAccessKeyId")!, signature, dateLine: expires, expiresAt: Number(expires) * 1000, token: query.get("security-token") ?? undefined };
}

/** `x-oss-*` headers: lower-case, sorted, trimmed, `name:value\n` each [V1]. */
function ossHeaders(request: WireRequest): string {
  const names = [...request.headers.keys()].filter((n) => n.startsWith("x-oss-")).sort();
  return names.map((n) => `${n}:${request.headers.get(n)!.trim()}\n`).join("");
}

/** The CanonicalizedResource candidates: Go's (batch sub-resources signed) first, then Java's. */
function v1Resources(request: WireRequest, presigned: boolean): string[] {
  const params = rawParams(request.url).filter((p) => !(presigned && V1_QUERY_AUTH.has(p.key)));
  const form = (withBatch: boolean) => {
    const signed = params
      .filter((p) => V1_SUBRESOURCES.has(p.key) || p.key.startsWith("x-oss-") || p.key.startsWith("response-") || (withBatch && BATCH_SUBRESOURCES.has(p.key)))
      .map((p) => (p.value === "" ? p.key : `${p.key}=${p.value}`))
      .sort();
    const path = safeDecodePath(request.url.pathname);
    return signed.length === 0 ? path : `${path}?${signed.join("&")}`;
  };
  return [...new Set([form(true), form(false)])];
}

function safeDecodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

async function verifyV1(request: WireRequest, v1: V1, keys: KeyLookup, nowMs: number): Promise<Credential> {
  const presigned = v1.expiresAt !== undefined;
  const token = presigned ? v1.token : (request.headers.get("x-oss-security-token") ?? undefined);
  const credential = await findKey(keys, v1.accessKeyId, token);
  let dateLine = v1.dateLine;
  if (presigned) {
    if (nowMs > v1.expiresAt!) throw refuse("AccessDenied", "Request has expired.", { Expires: new Date(v1.expiresAt!).toISOString(), ServerTime: new Date(nowMs).toISOString() });
  } else {
    dateLine = request.headers.get("x-oss-date") ?? request.headers.get("date") ?? "";
    const at = Date.parse(dateLine);
    if (dateLine === "" || Number.isNaN(at)) throw refuse("AccessDenied", "OSS authentication requires a valid Date.");
    if (Math.abs(nowMs - at) > MAX_SKEW_MS) {
      throw new SignatureError("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403, {
        RequestTime: dateLine,
        ServerTime: new Date(nowMs).toUTCString(),
      });
    }
  }
  const head = [request.method, request.headers.get("content-md5") ?? "", request.headers.get("content-type") ?? "", dateLine].join("\n");
  const strings = v1Resources(request, presigned).map((resource) => `${head}\n${ossHeaders(request)}${resource}`);
  const matched = strings.some((s) => safeEqual(hmac("sha1", credential.secretAccessKey, s).toString("base64"), v1.signature));
  if (!matched) throw mismatch(v1.accessKeyId, v1.signature, strings[0]!);
  return credential;
}

// ------------------------------------------------------------------------------------------ V4

interface V4Fields {
  accessKeyId: string;
  scopeDate: string;
  region: string;
  additionalHeaders: string[];
  signature: string;
  date: string;
  presigned: boolean;
  expiresSeconds?: number;
  token?: string;
}

function parseCredential(credential: string): Pick<V4Fields, "accessKeyId" | "scopeDate" | "region"> {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[3] !== "oss" || parts[4] !== "aliyun_v4_request" || !/^\d{8}$/.test(parts[1]!) || parts[0] === "" || parts[2] === "") {
    throw new SignatureError("InvalidAuthorization", `The Credential must be <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request, got "${credential.slice(0, 200)}".`, 400);
  }
  return { accessKeyId: parts[0]!, scopeDate: parts[1]!, region: parts[2]! };
}

function parseAdditional(value: string | undefined): string[] {
  if (value === undefined) return [];
  const names = value.split(";").map((n) => n.trim().toLowerCase());
  if (names.some((n) => n === "")) throw new SignatureError("InvalidAuthorization", "AdditionalHeaders must not be empty (EC 0002-00000209).", 400);
  return names;
}

function v4FromHeader(request: WireRequest, auth: string): V4Fields {
  const fields = new Map<string, string>();
  for (const part of auth.slice(V4.length).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  if (credential === undefined) throw new SignatureError("MissingCredential", "The Credential field (<AccessKeyId>/<date>/<region>/oss/aliyun_v4_request) is missing.", 400);
  const signature = fields.get("Signature");
  if (signature === undefined || signature === "") throw new SignatureError("InvalidAuthorization", "The Signature field is missing.", 400);
  return {
    ...parseCredential(credential),
    additionalHeaders: parseAdditional(fields.get("AdditionalHeaders")),
    signature,
    date: request.headers.get("x-oss-date") ?? "",
    presigned: false,
    token: request.headers.get("x-oss-security-token") ?? undefined,
  };
}

function v4FromQuery(query: URLSearchParams): V4Fields {
  const expires = query.get("x-oss-expires") ?? "";
  const expiresSeconds = /^\d{1,9}$/.test(expires) ? Number(expires) : Number.NaN;
  if (!(expiresSeconds >= 1 && expiresSeconds <= MAX_EXPIRES_SECONDS)) {
    throw new SignatureError("InvalidAuthorization", "x-oss-expires must be a number of seconds from 1 to 604800.", 400);
  }
  return {
    ...parseCredential(query.get("x-oss-credential") ?? ""),
    additionalHeaders: parseAdditional(query.get("x-oss-additional-headers") ?? undefined),
    signature: query.get("x-oss-signature") ?? "",
    date: query.get("x-oss-date") ?? "",
    presigned: true,
    expiresSeconds,
    token: query.get("x-oss-security-token") ?? undefined,
  };
}

/**
 * The canonical query candidates: Go's (sorted by encoded key, `k` for an empty value), the raw
 * `k=` when it differs, and ali-oss's order (`localeCompare` of the decoded keys, which puts
 * `a` before `B` and orders punctuation its own way).
 */
function v4Queries(request: WireRequest, presigned: boolean): string[] {
  const params = rawParams(request.url).filter((p) => !(presigned && p.key === "x-oss-signature"));
  const byBytes = (a: { k: string; v: string }, b: { k: string; v: string }) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.v < b.v ? -1 : a.v > b.v ? 1 : 0);
  const form = (bare: boolean, order: "bytes" | "locale") =>
    params
      .map((p) => ({ raw: p.key, k: uriEncode(p.key), v: uriEncode(p.value), bare: p.value === "" && (bare || !p.hasValue) }))
      .sort(order === "bytes" ? byBytes : (a, b) => a.raw.localeCompare(b.raw))
      .map((p) => (p.bare ? p.k : `${p.k}=${p.v}`))
      .join("&");
  return [...new Set([form(true, "bytes"), form(false, "bytes"), form(true, "locale")])];
}

const v4Keys = new KeyCache<Buffer>();

function v4SigningKey(secret: string, date: string, region: string): Buffer {
  return v4Keys.get(`${secret}\u0000${date}\u0000${region}`, () => hmac("sha256", hmac("sha256", hmac("sha256", hmac("sha256", `aliyun_v4${secret}`, date), region), "oss"), "aliyun_v4_request"));
}

async function verifyV4(request: WireRequest, v4: V4Fields, keys: KeyLookup, nowMs: number): Promise<Credential> {
  const hostRegion = regionOf(request.url.hostname);
  if (hostRegion !== "" && hostRegion !== v4.region) {
    throw new SignatureError("InvalidAuthorization", `Invalid signing region in the Credential: the endpoint is ${hostRegion}, the scope says ${v4.region.slice(0, 40)}.`, 400);
  }
  const timeMs = parseBasicTimestamp(v4.date);
  if (Number.isNaN(timeMs)) throw refuse("AccessDenied", "OSS V4 authentication requires x-oss-date as an ISO 8601 basic timestamp (20240101T120000Z).");
  if (v4.date.slice(0, 8) !== v4.scopeDate) {
    throw new SignatureError("InvalidAuthorization", `The Credential's date ${v4.scopeDate} is not the date of x-oss-date ${v4.date}.`, 400);
  }
  const credential = await findKey(keys, v4.accessKeyId, v4.token);
  if (v4.presigned) {
    if (timeMs - nowMs > MAX_SKEW_MS) throw refuse("AccessDenied", "Request is not valid yet.");
    if (nowMs > timeMs + v4.expiresSeconds! * 1000) throw refuse("AccessDenied", "Request has expired.", { ServerTime: new Date(nowMs).toISOString() });
  } else if (Math.abs(nowMs - timeMs) > MAX_SKEW_MS) {
    throw new SignatureError("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403, {
      RequestTime: v4.date,
      ServerTime: new Date(nowMs).toISOString(),
    });
  }
  const names = new Set(v4.additionalHeaders);
  for (const n of request.headers.keys()) if (n === "content-type" || n === "content-md5" || n.startsWith("x-oss-")) names.add(n);
  const headers = [...names]
    .sort()
    .map((n) => `${n}:${request.headers.get(n)?.trim() ?? ""}\n`)
    .join("");
  const hashed = request.headers.get("x-oss-content-sha256") ?? "UNSIGNED-PAYLOAD";
  const scope = `${v4.scopeDate}/${v4.region}/oss/aliyun_v4_request`;
  const key = v4SigningKey(credential.secretAccessKey, v4.scopeDate, v4.region);
  let first: { canonical: string; stringToSign: string } | undefined;
  for (const query of v4Queries(request, v4.presigned)) {
    const canonical = [request.method, canonicalPath(request.url), query, headers, v4.additionalHeaders.join(";"), hashed].join("\n");
    const stringToSign = `${V4}\n${v4.date}\n${scope}\n${sha256Hex(canonical)}`;
    if (safeEqual(hmac("sha256", key, stringToSign).toString("hex"), v4.signature)) {
      if (hashed !== "UNSIGNED-PAYLOAD" && !safeEqual(hashed, sha256Hex(request.body))) {
        throw mismatch(v4.accessKeyId, v4.signature, stringToSign, { CanonicalRequest: canonical, Reason: "x-oss-content-sha256 is not the SHA-256 of the body" });
      }
      return credential;
    }
    first ??= { canonical, stringToSign };
  }
  throw mismatch(v4.accessKeyId, v4.signature, first!.stringToSign, { CanonicalRequest: first!.canonical });
}
