import * as nodeCrypto from "node:crypto";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { WireRequest } from "./dialect.js";

/**
 * What every dialect's signature check shares: the credential it is checked against, the
 * verifier's contract, the failure it raises, and the small helpers (hashes, HMACs, constant-time
 * comparison, RFC 3986 encoding, raw query reading) that SigV4, OSS and COS all need.
 */

/** One access key, as the credentials file or the embedder's key store holds it. */
export interface Credential {
  /** The dialect whose requests the key signs: "s3-control", "oss", "cos" (or an embedder's). */
  dialect: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** S3: the 12-digit account id; OSS: the account the key belongs to; COS: the APPID. */
  account: string;
  /** Temporary credentials: the request must carry this token (x-amz-/x-oss-/x-cos-security-token). */
  sessionToken?: string;
}

/** The credentials port: the server asks it for a key; an embedder may put its own key store behind it. */
export interface CredentialsPort {
  find(dialect: string, accessKeyId: string): Credential | undefined | Promise<Credential | undefined>;
}

/** Who signed a request, once the signature checked out; handed to the dialect with the request. */
export interface Principal {
  accessKeyId: string;
  account: string;
}

/** Finds a key of the verifying dialect. */
export type KeyLookup = (accessKeyId: string) => Promise<Credential | undefined>;

/** One provider's signing format: finds the key id in a request and checks its signature. */
export interface SignatureVerifier {
  /** Resolves with the signer, or throws SignatureError (never anything else for a bad request). */
  verify(request: WireRequest, keys: KeyLookup, nowMs: number): Promise<Principal>;
}

/**
 * A refused request: the provider's code and status, a message, and extra elements some
 * providers add to the error document (OSS: StringToSign, SignatureProvided...).
 */
export class SignatureError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 403,
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "SignatureError";
  }
}

/** The 15 minutes of clock skew every one of the three providers allows. */
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** `crypto.hash` (node 20.12 and later): a small input hashed in about half the time of a Hash object. */
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: "hex") => string }).hash;

export function sha256Hex(data: string | Uint8Array): string {
  return oneShotHash ? oneShotHash("sha256", data, "hex") : createHash("sha256").update(data).digest("hex");
}

export function hmac(algorithm: "sha1" | "sha256", key: string | Uint8Array, data: string): Buffer {
  return createHmac(algorithm, key).update(data, "utf8").digest();
}

/** Constant-time equality of two strings (different lengths differ, without a timing hint of where). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/** Constant-time equality of a digest and the lower-case hex a client sent (no string copies of the digest). */
export function safeEqualHex(digest: Buffer, hex: string): boolean {
  const given = /^[0-9a-f]*$/.test(hex) && hex.length === digest.length * 2 ? Buffer.from(hex, "hex") : undefined;
  if (!given) {
    timingSafeEqual(digest, digest);
    return false;
  }
  return timingSafeEqual(digest, given);
}

/** RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - _ . ~`, upper-case hex. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Percent-decoding that never throws: a malformed escape is kept as it is. */
export function safeDecode(value: string, plusIsSpace = false): string {
  const text = plusIsSpace ? value.replace(/\+/g, " ") : value;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** One query parameter as it came: the decoded key and value, and whether an `=` was present. */
export interface RawParam {
  key: string;
  value: string;
  hasValue: boolean;
}

/** The query string's parameters in order, decoded (`+` as space, as the SDKs' servers read it). */
export function rawParams(url: URL): RawParam[] {
  const search = url.search.startsWith("?") ? url.search.slice(1) : url.search;
  if (search === "") return [];
  return search
    .split("&")
    .filter((part) => part !== "")
    .map((part) => {
      const eq = part.indexOf("=");
      return eq < 0
        ? { key: safeDecode(part, true), value: "", hasValue: false }
        : { key: safeDecode(part.slice(0, eq), true), value: safeDecode(part.slice(eq + 1), true), hasValue: true };
    });
}

/** A path of unreserved characters and slashes only, that no dot segment can change: canonical as it is. */
const PLAIN_PATH = /^[A-Za-z0-9\-_.~/]*$/;

/**
 * `canonicalPath` of the request's URL, read off the path as sent when that is already canonical
 * (what the SDKs send for every job request), without parsing the URL for it.
 */
export function canonicalRequestPath(request: WireRequest): string {
  const path = request.path;
  if (path !== undefined && path.charCodeAt(0) === 0x2f && PLAIN_PATH.test(path) && !path.includes("/.")) return path;
  return canonicalPath(request.url);
}

/** The path with each segment decoded then RFC 3986-encoded, `/` kept: the form SigV4 and OSS V4 sign. */
export function canonicalPath(url: URL): string {
  return url.pathname
    .split("/")
    .map((segment) => uriEncode(safeDecode(segment)))
    .join("/");
}

/** A header's value as signers canonicalise it: trimmed, runs of spaces collapsed. */
export function headerValue(request: WireRequest, name: string): string | undefined {
  const value = name === "host" ? (request.headers.get("host") ?? request.url.host) : request.headers.get(name);
  if (value === null) return undefined;
  return COLLAPSIBLE.test(value) ? value.trim().replace(/\s+/g, " ") : value;
}

/** Whitespace that canonicalisation changes: at either end, other than a space, or two in a row. */
const COLLAPSIBLE = /^\s|\s$|[^\S ]| {2}/;

/** Milliseconds of an ISO 8601 basic timestamp (`20240101T120000Z`), or NaN. */
export function parseBasicTimestamp(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Number.NaN;
}

/** Bounded key-derivation cache: one HMAC chain a key and day instead of one a request. */
export class KeyCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly limit = 256) {}
  get(key: string, make: () => V): V {
    let value = this.entries.get(key);
    if (value === undefined) {
      if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
      value = make();
      this.entries.set(key, value);
    }
    return value;
  }
}
