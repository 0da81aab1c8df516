import { createHash } from "node:crypto";
import type { WireRequest } from "../dialect.js";
import { hmac, MAX_SKEW_MS, rawParams, safeDecode, safeEqual, SignatureError, uriEncode, type Principal, type SignatureVerifier } from "../signature.js";

/**
 * The COS XML API signature (spec tencent-cos.md §10.3): `q-sign-algorithm=sha1&q-ak=...&
 * q-sign-time=<start>;<end>&q-key-time=...&q-header-list=...&q-url-param-list=...&q-signature=...`
 * in the Authorization header or as query parameters. Only the headers and parameters the
 * signer listed are covered (COS's own rule); the time window is the signer's KeyTime.
 */

const FIELDS = ["q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-header-list", "q-url-param-list", "q-signature"] as const;
type Field = (typeof FIELDS)[number];

const refuse = (code: string, message: string, details?: Record<string, string>) => new SignatureError(code, message, 403, details);

function fieldsOf(request: WireRequest): Map<Field, string> | undefined {
  const auth = request.headers.get("authorization")?.trim();
  const out = new Map<Field, string>();
  if (auth) {
    for (const pair of auth.split("&")) {
      const eq = pair.indexOf("=");
      const key = (eq < 0 ? pair : pair.slice(0, eq)) as Field;
      // Taken as sent: the lists hold URL-encoded names (`q-url-param-list=%20`).
      if (FIELDS.includes(key)) out.set(key, eq < 0 ? "" : pair.slice(eq + 1));
    }
    return out;
  }
  for (const p of rawParams(request.url)) if (FIELDS.includes(p.key as Field)) out.set(p.key as Field, p.value);
  return out.size > 0 ? out : undefined;
}

function keyTime(value: string | undefined, name: string): { start: number; end: number } {
  const m = /^(\d{1,12});(\d{1,12})$/.exec(value ?? "");
  if (!m) throw refuse("AccessDenied", `${name} must be <start>;<end> in Unix seconds.`);
  return { start: Number(m[1]) * 1000, end: Number(m[2]) * 1000 };
}

function sha1Hex(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

/** `k1=v1&k2=v2` over the listed names, each matched against the lower-cased encoded name. */
function signedPairs(names: string[], valueOf: (name: string) => string): string {
  return names.map((name) => `${name}=${valueOf(name)}`).join("&");
}

/**
 * The HttpString the signer built: method, decoded path, the listed parameters and headers in
 * the list's order (sorted by encoded name, as the document says). `rawOrder` sorts them by the
 * decoded name instead: what cos-nodejs-sdk-v5 does for names whose encoding sorts elsewhere
 * (`{` after letters, `%7B` before them), while its list stays in encoded order.
 */
export function cosHttpString(request: WireRequest, headerList: string[], paramList: string[], rawOrder = false): string {
  const params = new Map<string, string>();
  for (const p of rawParams(request.url)) {
    const k = uriEncode(p.key).toLowerCase();
    if (!params.has(k)) params.set(k, uriEncode(p.value));
  }
  const headers = new Map<string, string>();
  for (const [name, value] of request.headers) headers.set(uriEncode(name).toLowerCase(), uriEncode(value.trim()));
  if (!headers.has("host")) headers.set("host", uriEncode(request.url.host));
  const order = (names: string[]) => (rawOrder ? [...names].sort((a, b) => (lowerDecoded(a) < lowerDecoded(b) ? -1 : lowerDecoded(a) > lowerDecoded(b) ? 1 : 0)) : names);
  return [
    request.method.toLowerCase(),
    safeDecode(request.url.pathname),
    signedPairs(order(paramList), (n) => params.get(n) ?? ""),
    signedPairs(order(headerList), (n) => headers.get(n) ?? ""),
    "",
  ].join("\n");
}

const lowerDecoded = (name: string) => safeDecode(name).toLowerCase();

const list = (value: string | undefined) => (value ? value.split(";").map((n) => n.trim().toLowerCase()).filter((n) => n !== "") : []);

export const cosSignature: SignatureVerifier = {
  async verify(request, keys, nowMs): Promise<Principal> {
    const fields = fieldsOf(request);
    if (!fields) throw refuse("AccessDenied", "The request carries no signature: every batch request is signed (q-sign-algorithm=sha1&q-ak=...).");
    const missing = FIELDS.filter((f) => f !== "q-header-list" && f !== "q-url-param-list" && !fields.get(f));
    if (missing.length > 0) throw refuse("AccessDenied", `The Authorization is missing ${missing.join(", ")}.`);
    if (fields.get("q-sign-algorithm") !== "sha1") throw refuse("AccessDenied", "q-sign-algorithm must be sha1.");
    const accessKeyId = fields.get("q-ak")!;
    const signTime = keyTime(fields.get("q-sign-time"), "q-sign-time");
    const keyWindow = keyTime(fields.get("q-key-time"), "q-key-time");
    const credential = await keys(accessKeyId);
    if (!credential) throw refuse("InvalidAccessKeyId", "The access key Id format you provided is invalid or the SecretId does not exist.");
    const start = Math.max(signTime.start, keyWindow.start);
    const end = Math.min(signTime.end, keyWindow.end);
    if (start - nowMs > MAX_SKEW_MS) {
      throw refuse("RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.", { ServerTime: String(Math.floor(nowMs / 1000)) });
    }
    // The spec's generic code table (D-ERRC) names ExpiredToken for an expired signature.
    if (nowMs > end) throw refuse("ExpiredToken", `The signature expired at ${new Date(end).toISOString()} (q-sign-time ${fields.get("q-sign-time")}).`);

    const headerList = list(fields.get("q-header-list"));
    const paramList = list(fields.get("q-url-param-list"));
    const signKey = hmac("sha1", credential.secretAccessKey, fields.get("q-key-time")!).toString("hex");
    const provided = fields.get("q-signature")!.toLowerCase();
    const stringToSignOf = (httpString: string) => `sha1\n${fields.get("q-sign-time")}\n${sha1Hex(httpString)}\n`;
    const matches = (httpString: string) => safeEqual(hmac("sha1", signKey, stringToSignOf(httpString)).toString("hex"), provided);
    const httpString = cosHttpString(request, headerList, paramList);
    if (!matches(httpString) && !matches(cosHttpString(request, headerList, paramList, true))) {
      const stringToSign = stringToSignOf(httpString);
      throw refuse("SignatureDoesNotMatch", "The calculated signature does not match the signature you provided. Check your key and signing method.", {
        StringToSign: stringToSign,
        FormatString: httpString,
      });
    }
    const token = request.headers.get("x-cos-security-token") ?? request.url.searchParams.get("x-cos-security-token") ?? "";
    if (!safeEqual(credential.sessionToken ?? "", token)) throw refuse("AccessDenied", "The x-cos-security-token does not belong to this key.");
    const appid = request.headers.get("x-cos-appid")?.trim();
    if (appid && appid !== credential.account) throw refuse("AccessDenied", `Access Denied: the key ${accessKeyId} belongs to another APPID than ${appid.slice(0, 64)}.`);
    return { accessKeyId, account: credential.account };
  },
};
