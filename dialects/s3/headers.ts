import type { Grant, Owner, Tag } from "../../src/core/model/common.js";
import type { ObjectMetadata } from "../../src/core/model/operation.js";
import type { ObjectAcl, ObjectInfo } from "../../src/core/ports.js";
import { safeDecode } from "../signature.js";
import { S3Error } from "./errors.js";

/** Object headers, both ways: what a PUT says about the object, and what HEAD/GET answer. */

const META_PREFIX = "x-amz-meta-";

export const httpDate = (ms: number) => new Date(ms).toUTCString();
export const isoDate = (ms: number) => new Date(ms).toISOString();
export const quoted = (etag: string) => `"${etag}"`;

/** Content-Type, the other content headers and x-amz-meta-* of a PUT (or a REPLACE copy). */
export function metadataOf(headers: Headers): { contentType?: string; metadata?: ObjectMetadata } {
  const user: Record<string, string> = {};
  for (const [name, value] of headers) if (name.startsWith(META_PREFIX)) user[name.slice(META_PREFIX.length)] = value;
  // aws-chunked is the upload's framing, not the object's encoding.
  const encoding = (headers.get("content-encoding") ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "" && s.toLowerCase() !== "aws-chunked").join(",");
  const expires = headers.get("expires");
  const expiresMs = expires === null ? NaN : Date.parse(expires);
  const m: ObjectMetadata = {};
  const set = <K extends keyof ObjectMetadata>(k: K, v: ObjectMetadata[K] | null | undefined) => {
    if (v !== null && v !== undefined && v !== "") m[k] = v;
  };
  set("cacheControl", headers.get("cache-control"));
  set("contentDisposition", headers.get("content-disposition"));
  set("contentEncoding", encoding);
  set("contentLanguage", headers.get("content-language"));
  set("contentType", headers.get("content-type"));
  if (!Number.isNaN(expiresMs)) m.httpExpiresDate = expiresMs;
  if (Object.keys(user).length > 0) m.userMetadata = user;
  const contentType = headers.get("content-type") ?? undefined;
  return { ...(contentType ? { contentType } : {}), ...(Object.keys(m).length > 0 ? { metadata: m } : {}) };
}

/** `x-amz-tagging: a=1&b=2` (URL-encoded, as a query string). */
export function tagsHeader(value: string | null): Tag[] | undefined {
  if (value === null) return undefined;
  if (value === "") return [];
  return value.split("&").map((pair) => {
    const eq = pair.indexOf("=");
    const key = safeDecode(eq < 0 ? pair : pair.slice(0, eq), true);
    if (key === "") throw new S3Error("InvalidTag", "A tag key in x-amz-tagging is empty");
    return { key, value: eq < 0 ? "" : safeDecode(pair.slice(eq + 1), true) };
  });
}

/** HEAD/GET's headers for an object (version). */
export function objectHeaders(info: ObjectInfo): Record<string, string> {
  const h: Record<string, string> = {
    etag: quoted(info.etag),
    "last-modified": httpDate(info.lastModified),
    "accept-ranges": "bytes",
    "content-type": info.contentType ?? info.metadata?.contentType ?? "binary/octet-stream",
  };
  if (info.versionId !== undefined) h["x-amz-version-id"] = info.versionId;
  if (info.storageClass !== "STANDARD") h["x-amz-storage-class"] = info.storageClass;
  const m = info.metadata;
  if (m?.cacheControl) h["cache-control"] = m.cacheControl;
  if (m?.contentDisposition) h["content-disposition"] = m.contentDisposition;
  if (m?.contentEncoding) h["content-encoding"] = m.contentEncoding;
  if (m?.contentLanguage) h["content-language"] = m.contentLanguage;
  if (m?.httpExpiresDate !== undefined) h.expires = httpDate(m.httpExpiresDate);
  for (const [k, v] of Object.entries(m?.userMetadata ?? {})) h[`${META_PREFIX}${k}`] = v;
  if (info.restore) {
    h["x-amz-restore"] = info.restore.ongoing || info.restore.expiryDate === undefined
      ? `ongoing-request="${info.restore.ongoing}"`
      : `ongoing-request="false", expiry-date="${httpDate(info.restore.expiryDate)}"`;
  }
  if (info.legalHold) h["x-amz-object-lock-legal-hold"] = info.legalHold;
  if (info.retention) {
    h["x-amz-object-lock-mode"] = info.retention.mode;
    h["x-amz-object-lock-retain-until-date"] = isoDate(info.retention.retainUntil);
  }
  if (info.encryption && info.encryption.type !== "none") {
    h["x-amz-server-side-encryption"] = info.encryption.type === "kms" ? "aws:kms" : info.encryption.type === "dual-kms" ? "aws:kms:dsse" : "AES256";
  }
  return h;
}

/** `x-amz-object-lock-*` of a PUT or copy: a hold and a retention for the new version. */
export function lockOf(headers: Headers): { legalHold?: "ON" | "OFF"; retention?: { mode: "GOVERNANCE" | "COMPLIANCE"; retainUntil: number } } {
  const hold = headers.get("x-amz-object-lock-legal-hold");
  const mode = headers.get("x-amz-object-lock-mode");
  const until = headers.get("x-amz-object-lock-retain-until-date");
  const out: ReturnType<typeof lockOf> = {};
  if (hold !== null) {
    if (hold !== "ON" && hold !== "OFF") throw new S3Error("InvalidArgument", "x-amz-object-lock-legal-hold must be ON or OFF");
    out.legalHold = hold;
  }
  if ((mode === null) !== (until === null)) throw new S3Error("InvalidArgument", "x-amz-object-lock-mode and x-amz-object-lock-retain-until-date must both be given");
  if (mode !== null && until !== null) {
    if (mode !== "GOVERNANCE" && mode !== "COMPLIANCE") throw new S3Error("InvalidArgument", "x-amz-object-lock-mode must be GOVERNANCE or COMPLIANCE");
    const ms = Date.parse(until);
    if (Number.isNaN(ms)) throw new S3Error("InvalidArgument", "x-amz-object-lock-retain-until-date must be an ISO-8601 date");
    out.retention = { mode, retainUntil: ms };
  }
  return out;
}

// ------------------------------------------------------------------ ACLs

const ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
const CANNED = new Set(["private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read", "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write"]);
const GRANT_HEADERS: Record<string, Grant["permission"]> = {
  "x-amz-grant-full-control": "FULL_CONTROL",
  "x-amz-grant-read": "READ",
  "x-amz-grant-write": "WRITE",
  "x-amz-grant-read-acp": "READ_ACP",
  "x-amz-grant-write-acp": "WRITE_ACP",
};

/** An ACL from `x-amz-acl` or `x-amz-grant-*` headers; undefined when the request sets none. */
export function aclHeaders(headers: Headers): ObjectAcl | undefined {
  const canned = headers.get("x-amz-acl");
  if (canned !== null) {
    if (!CANNED.has(canned)) throw new S3Error("InvalidArgument", `The canned ACL "${canned.slice(0, 64)}" is not one S3 knows`);
    return { canned };
  }
  const grants: Grant[] = [];
  for (const [header, permission] of Object.entries(GRANT_HEADERS)) {
    const value = headers.get(header);
    if (value === null) continue;
    for (const part of value.split(",")) {
      const m = /^\s*(id|uri|emailAddress)\s*=\s*"?([^"]*)"?\s*$/.exec(part);
      if (!m || m[2] === "") throw new S3Error("InvalidArgument", `${header} must be a list of id="...", uri="..." or emailAddress="..."`);
      grants.push({ grantee: { type: m[1] === "emailAddress" ? "email" : (m[1] as "id" | "uri"), identifier: m[2]! }, permission });
    }
  }
  return grants.length > 0 ? { grants } : undefined;
}

/** The grants an ACL stands for (a canned ACL expanded as S3 expands it). */
export function grantsOf(acl: ObjectAcl, owner: Owner): Grant[] {
  if (acl.grants) return acl.grants;
  const full: Grant = { grantee: { type: "id", identifier: owner.id, displayName: owner.displayName }, permission: "FULL_CONTROL" };
  const group = (uri: string, permission: Grant["permission"]): Grant => ({ grantee: { type: "uri", identifier: uri }, permission });
  switch (acl.canned) {
    case "public-read":
      return [full, group(ALL_USERS, "READ")];
    case "public-read-write":
      return [full, group(ALL_USERS, "READ"), group(ALL_USERS, "WRITE")];
    case "authenticated-read":
      return [full, group(AUTHENTICATED, "READ")];
    default:
      return [full];
  }
}

const XSI = "http://www.w3.org/2001/XMLSchema-instance";
const GRANTEE_TYPE = { id: "CanonicalUser", uri: "Group", email: "AmazonCustomerByEmail" } as const;

export function grantXml(g: Grant) {
  const member = g.grantee.type === "id" ? { ID: g.grantee.identifier, DisplayName: g.grantee.displayName } : g.grantee.type === "uri" ? { URI: g.grantee.identifier } : { EmailAddress: g.grantee.identifier };
  return { Grantee: { "@xmlns:xsi": XSI, "@xsi:type": GRANTEE_TYPE[g.grantee.type], ...member }, Permission: g.permission };
}
