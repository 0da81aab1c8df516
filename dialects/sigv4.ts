import { createHash } from "node:crypto";
import type { WireRequest } from "./dialect.js";
import {
  canonicalRequestPath,
  hmac,
  headerValue,
  KeyCache,
  MAX_SKEW_MS,
  parseBasicTimestamp,
  rawParams,
  safeEqual,
  safeEqualHex,
  sha256Hex,
  SignatureError,
  uriEncode,
  type Credential,
  type KeyLookup,
} from "./signature.js";

/**
 * AWS Signature Version 4 as S3 checks it (shared by S3 Control and the S3 object API), after the
 * SigV4 documents and the SDKs' signers (@smithy/signature-v4, botocore's S3SigV4Auth):
 * `Authorization: AWS4-HMAC-SHA256 Credential=AK/yyyymmdd/region/service/aws4_request,
 * SignedHeaders=a;b, Signature=hex`, or the presigned query form (X-Amz-Algorithm, -Credential,
 * -Date, -Expires, -SignedHeaders, -Signature). S3 signs the path encoded once (no double
 * encoding, no normalisation) and puts the payload's hash in `x-amz-content-sha256`.
 * Error codes and statuses are S3's.
 */

export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";
/** Presigned URLs live at most 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;
const UNSIGNED = "UNSIGNED-PAYLOAD";
/** sha256 of no bytes: most control-plane requests (GET, bodiless POST) have no body to hash. */
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** `Credential=..., SignedHeaders=..., Signature=...` in one pass (separators `,` with or without spaces). */
const HEADER_FIELDS = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]*)\s*,\s*SignedHeaders=([^,\s]*)\s*,\s*Signature=([^,\s]*)\s*$/;

export interface SigV4Request {
  presigned: boolean;
  accessKeyId: string;
  /** yyyymmdd of the credential scope. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** X-Amz-Date (or Date) as sent, and in milliseconds. */
  amzDate: string;
  timeMs: number;
  expiresSeconds?: number;
  securityToken?: string;
}

export interface SigV4Options {
  /** The signing name the scope must carry (S3 Control signs as "s3"). */
  service: string;
  /** The region the endpoint's host implies, if it names one; the scope must then agree. */
  hostRegion?: (request: WireRequest) => string | undefined;
}

const malformedHeader = (message: string) => new SignatureError("AuthorizationHeaderMalformed", message, 400);
const malformedQuery = (message: string) => new SignatureError("AuthorizationQueryParametersError", message, 400);

/** Reads the SigV4 fields of a request (header or query form); refuses a request that has none. */
export function parseSigV4(request: WireRequest): SigV4Request {
  const auth = request.headers.get("authorization");
  if (auth !== null) return parseHeader(auth, request);
  const query = request.url.searchParams;
  if (query.has("X-Amz-Algorithm") || query.has("X-Amz-Signature") || query.has("X-Amz-Credential")) return parseQuery(query);
  throw new SignatureError("AccessDenied", "Anonymous access is forbidden for this operation: the request carries no signature.");
}

function parseScope(credential: string, malformed: (m: string) => SignatureError) {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request" || parts.some((p) => p === "")) {
    throw malformed(`The Credential must be <AccessKeyId>/<yyyymmdd>/<region>/<service>/aws4_request, got "${credential.slice(0, 200)}".`);
  }
  if (!/^\d{8}$/.test(parts[1]!)) throw malformed(`The Credential's date must be yyyymmdd, got "${parts[1]!.slice(0, 20)}".`);
  return { accessKeyId: parts[0]!, scopeDate: parts[1]!, region: parts[2]!, service: parts[3]! };
}

function parseSignedHeaders(value: string, malformed: (m: string) => SignatureError): string[] {
  const names = value.split(";");
  // Lower case as a whole is lower case name by name (";" has no case).
  if (value !== value.toLowerCase() || names.includes("")) throw malformed("SignedHeaders must be lower-case header names separated by ';'.");
  if (!names.includes("host")) throw malformed("SignedHeaders must include host.");
  return names;
}

function requestTime(value: string | undefined, malformed: (m: string) => SignatureError): { amzDate: string; timeMs: number } {
  if (value === undefined) throw new SignatureError("AccessDenied", "AWS authentication requires a valid Date or x-amz-date header.");
  const basic = parseBasicTimestamp(value);
  const timeMs = Number.isNaN(basic) ? Date.parse(value) : basic;
  if (Number.isNaN(timeMs)) throw malformed(`X-Amz-Date must be an ISO 8601 basic timestamp (20240101T120000Z), got "${value.slice(0, 40)}".`);
  return { amzDate: value, timeMs };
}

function parseHeader(auth: string, request: WireRequest): SigV4Request {
  const value = auth.trim();
  if (!value.startsWith(`${SIGV4_ALGORITHM} `)) {
    throw new SignatureError("InvalidRequest", `The authorization mechanism you have provided is not supported. Please use ${SIGV4_ALGORITHM}.`, 400);
  }
  // The SDKs' order in one regular expression; any other order field by field.
  const fast = HEADER_FIELDS.exec(value);
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  if (fast) {
    [, credential, signedHeaders, signature] = fast;
  } else {
    const fields = new Map<string, string>();
    for (const part of value.slice(SIGV4_ALGORITHM.length).split(",")) {
      const eq = part.indexOf("=");
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    credential = fields.get("Credential");
    signedHeaders = fields.get("SignedHeaders");
    signature = fields.get("Signature");
  }
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw malformedHeader("The authorization header is malformed: it needs Credential, SignedHeaders and Signature.");
  }
  const date = request.headers.get("x-amz-date") ?? request.headers.get("date") ?? undefined;
  return {
    presigned: false,
    ...parseScope(credential, malformedHeader),
    signedHeaders: parseSignedHeaders(signedHeaders, malformedHeader),
    signature,
    ...requestTime(date, malformedHeader),
    securityToken: request.headers.get("x-amz-security-token") ?? undefined,
  };
}

function parseQuery(query: URLSearchParams): SigV4Request {
  const get = (name: string) => {
    const v = query.get(name);
    if (v === null) throw malformedQuery(`Query-string authentication requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Expires parameters: ${name} is missing.`);
    return v;
  };
  if (get("X-Amz-Algorithm") !== SIGV4_ALGORITHM) throw malformedQuery(`X-Amz-Algorithm only supports "${SIGV4_ALGORITHM}".`);
  const expiresText = get("X-Amz-Expires");
  const expiresSeconds = /^\d{1,9}$/.test(expiresText) ? Number(expiresText) : Number.NaN;
  if (!(expiresSeconds >= 1)) throw malformedQuery("X-Amz-Expires should be a number of seconds from 1 to 604800.");
  if (expiresSeconds > MAX_PRESIGN_SECONDS) throw malformedQuery("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds.");
  const { amzDate, timeMs } = requestTime(get("X-Amz-Date"), malformedQuery);
  if (Number.isNaN(parseBasicTimestamp(amzDate))) throw malformedQuery("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".");
  return {
    presigned: true,
    ...parseScope(get("X-Amz-Credential"), malformedQuery),
    signedHeaders: parseSignedHeaders(get("X-Amz-SignedHeaders"), malformedQuery),
    signature: get("X-Amz-Signature"),
    amzDate,
    timeMs,
    expiresSeconds,
    securityToken: query.get("X-Amz-Security-Token") ?? undefined,
  };
}

/** The payload hash the signer used, checked against the body S3's way. */
function payloadHash(request: WireRequest, parsed: SigV4Request): { hash: string; check?: string } {
  const declared = request.headers.get("x-amz-content-sha256") ?? (parsed.presigned ? (request.url.searchParams.get("X-Amz-Content-Sha256") ?? UNSIGNED) : null);
  if (declared === null) return { hash: bodyHash(request.body) };
  if (declared === UNSIGNED) return { hash: declared };
  // Unsigned aws-chunked uploads of the S3 object API (a streamed body): the dialect undoes the framing.
  if (declared === "STREAMING-UNSIGNED-PAYLOAD-TRAILER" && request.stream) return { hash: declared };
  if (declared.startsWith("STREAMING-")) {
    // aws-chunked bodies are for object uploads; the control plane's small XML bodies never use them.
    throw new SignatureError("InvalidRequest", `x-amz-content-sha256 ${declared.slice(0, 60)}: streaming (aws-chunked) payloads are not accepted by this API.`, 400);
  }
  if (!/^[0-9a-f]{64}$/.test(declared)) {
    throw new SignatureError("InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-..., or a valid sha256 value.", 400);
  }
  return { hash: declared, check: declared };
}

function bodyHash(body: Uint8Array): string {
  return body.byteLength === 0 ? EMPTY_SHA256 : sha256Hex(body);
}

export function canonicalQuery(request: WireRequest, presigned: boolean): string {
  if (request.url.search === "") return "";
  const pairs = rawParams(request.url)
    .filter((p) => !(presigned && p.key === "X-Amz-Signature"))
    .map((p) => [uriEncode(p.key), uriEncode(p.value)] as const);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

export function canonicalRequest(request: WireRequest, parsed: SigV4Request, hash: string): string {
  let headers = "";
  for (const name of parsed.signedHeaders) headers += `${name}:${headerValue(request, name) ?? ""}\n`;
  return `${request.method}\n${canonicalRequestPath(request)}\n${canonicalQuery(request, parsed.presigned)}\n${headers}\n${parsed.signedHeaders.join(";")}\n${hash}`;
}

const signingKeys = new KeyCache<Buffer>();

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return signingKeys.get(`${secret}\u0000${date}\u0000${region}\u0000${service}`, () =>
    hmac("sha256", hmac("sha256", hmac("sha256", hmac("sha256", `AWS4${secret}`, date), region), service), "aws4_request"),
  );
}

/**
 * Checks a SigV4 request against the key it names; resolves with that key. Order as S3's:
 * the key, the clock, the signature, the session token, then the body against its hash.
 */
export async function verifySigV4(request: WireRequest, keys: KeyLookup, nowMs: number, options: SigV4Options): Promise<Credential> {
  const parsed = parseSigV4(request);
  const malformed = parsed.presigned ? malformedQuery : malformedHeader;
  if (parsed.service !== options.service) {
    throw malformed(`The Credential should be scoped to the correct service: '${options.service}', not '${parsed.service.slice(0, 40)}'.`);
  }
  const hostRegion = options.hostRegion?.(request);
  if (hostRegion !== undefined && parsed.region !== hostRegion) {
    throw malformed(`The Credential should be scoped to a valid region: '${hostRegion}', not '${parsed.region.slice(0, 40)}'.`);
  }
  if (parsed.amzDate.slice(0, 8) !== parsed.scopeDate && !Number.isNaN(parseBasicTimestamp(parsed.amzDate))) {
    throw malformed(`The Credential's date ${parsed.scopeDate} is not the date of X-Amz-Date ${parsed.amzDate}.`);
  }
  const credential = await keys(parsed.accessKeyId);
  if (!credential || (credential.sessionToken !== undefined && parsed.securityToken === undefined)) {
    throw new SignatureError("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
  }
  checkTime(parsed, nowMs);
  const { hash, check } = payloadHash(request, parsed);
  const canonical = canonicalRequest(request, parsed, hash);
  const scope = `${parsed.scopeDate}/${parsed.region}/${parsed.service}/aws4_request`;
  const stringToSign = `${SIGV4_ALGORITHM}\n${parsed.amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  const expected = hmac("sha256", signingKey(credential.secretAccessKey, parsed.scopeDate, parsed.region, parsed.service), stringToSign);
  if (!safeEqualHex(expected, parsed.signature)) {
    throw new SignatureError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      403,
      { AWSAccessKeyId: parsed.accessKeyId, StringToSign: stringToSign, SignatureProvided: parsed.signature.slice(0, 128), CanonicalRequest: canonical },
    );
  }
  // Without a token on either side there is nothing secret to compare.
  if ((credential.sessionToken !== undefined || parsed.securityToken !== undefined) && !safeEqual(credential.sessionToken ?? "", parsed.securityToken ?? "")) {
    throw new SignatureError("InvalidToken", "The provided token is malformed or otherwise invalid.", 400);
  }
  // The body's hash is no secret: a plain comparison.
  // A streamed body (an object upload) is hashed as it is read: the last chunk fails a mismatch.
  if (check !== undefined && request.stream) request.stream = hashChecked(request.stream, check);
  else if (check !== undefined && check !== bodyHash(request.body)) {
    throw new SignatureError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
  }
  return credential;
}

function checkTime(parsed: SigV4Request, nowMs: number): void {
  if (!parsed.presigned) {
    if (Math.abs(nowMs - parsed.timeMs) > MAX_SKEW_MS) {
      throw new SignatureError("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403, {
        RequestTime: parsed.amzDate,
        ServerTime: new Date(nowMs).toISOString(),
      });
    }
    return;
  }
  if (parsed.timeMs - nowMs > MAX_SKEW_MS) throw new SignatureError("AccessDenied", "Request is not valid yet.");
  if (nowMs > parsed.timeMs + parsed.expiresSeconds! * 1000) {
    throw new SignatureError("AccessDenied", "Request has expired.", 403, {
      "X-Amz-Expires": String(parsed.expiresSeconds),
      Expires: new Date(parsed.timeMs + parsed.expiresSeconds! * 1000).toISOString(),
      ServerTime: new Date(nowMs).toISOString(),
    });
  }
}

async function* hashChecked(stream: AsyncIterable<Uint8Array>, expected: string): AsyncIterable<Uint8Array> {
  const hash = createHash("sha256");
  for await (const chunk of stream) {
    hash.update(chunk);
    yield chunk;
  }
  if (hash.digest("hex") !== expected) {
    throw new SignatureError("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", 400);
  }
}
