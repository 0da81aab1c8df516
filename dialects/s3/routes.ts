import { requestPath, type RequestHead } from "../dialect.js";
import { isCosRequest } from "../cos/index.js";
import { isBatchRequest } from "../oss/routes.js";
import { PATH_PREFIX } from "../s3-control/routes.js";
import { S3Error } from "./errors.js";

/**
 * What the S3 object API answers, as data: each route is a method, a target (the service, a
 * bucket, an object), and the query sub-resource or header that selects it. The first row that
 * matches wins, so sub-resources come before the plain operation of the same method.
 */
export type S3Operation =
  | "ListBuckets"
  | "CreateBucket"
  | "HeadBucket"
  | "DeleteBucket"
  | "GetBucketVersioning"
  | "PutBucketVersioning"
  | "GetBucketLocation"
  | "GetObjectLockConfiguration"
  | "GetBucketReplication"
  | "ListObjectsV2"
  | "ListObjects"
  | "ListObjectVersions"
  | "DeleteObjects"
  | "PutObject"
  | "CopyObject"
  | "GetObject"
  | "HeadObject"
  | "DeleteObject"
  | "GetObjectTagging"
  | "PutObjectTagging"
  | "DeleteObjectTagging"
  | "GetObjectAcl"
  | "PutObjectAcl"
  | "RestoreObject"
  | "GetObjectLegalHold"
  | "PutObjectLegalHold"
  | "GetObjectRetention"
  | "PutObjectRetention"
  | "CreateMultipartUpload"
  | "UploadPart"
  | "CompleteMultipartUpload"
  | "AbortMultipartUpload";

export type Target = "service" | "bucket" | "object";

export interface Route {
  operation: S3Operation;
  method: string;
  target: Target;
  /** A query parameter that must be present (`versioning`, `tagging`, `list-type`...). */
  query?: string;
  /** A header that must be present. */
  header?: string;
}

export const ROUTES: readonly Route[] = [
  { operation: "ListBuckets", method: "GET", target: "service" },
  { operation: "GetBucketVersioning", method: "GET", target: "bucket", query: "versioning" },
  { operation: "PutBucketVersioning", method: "PUT", target: "bucket", query: "versioning" },
  { operation: "GetBucketLocation", method: "GET", target: "bucket", query: "location" },
  { operation: "GetObjectLockConfiguration", method: "GET", target: "bucket", query: "object-lock" },
  { operation: "GetBucketReplication", method: "GET", target: "bucket", query: "replication" },
  { operation: "ListObjectVersions", method: "GET", target: "bucket", query: "versions" },
  { operation: "ListObjectsV2", method: "GET", target: "bucket", query: "list-type" },
  { operation: "DeleteObjects", method: "POST", target: "bucket", query: "delete" },
  { operation: "ListObjects", method: "GET", target: "bucket" },
  { operation: "CreateBucket", method: "PUT", target: "bucket" },
  { operation: "HeadBucket", method: "HEAD", target: "bucket" },
  { operation: "DeleteBucket", method: "DELETE", target: "bucket" },
  { operation: "GetObjectTagging", method: "GET", target: "object", query: "tagging" },
  { operation: "PutObjectTagging", method: "PUT", target: "object", query: "tagging" },
  { operation: "DeleteObjectTagging", method: "DELETE", target: "object", query: "tagging" },
  { operation: "GetObjectAcl", method: "GET", target: "object", query: "acl" },
  { operation: "PutObjectAcl", method: "PUT", target: "object", query: "acl" },
  { operation: "GetObjectLegalHold", method: "GET", target: "object", query: "legal-hold" },
  { operation: "PutObjectLegalHold", method: "PUT", target: "object", query: "legal-hold" },
  { operation: "GetObjectRetention", method: "GET", target: "object", query: "retention" },
  { operation: "PutObjectRetention", method: "PUT", target: "object", query: "retention" },
  { operation: "RestoreObject", method: "POST", target: "object", query: "restore" },
  { operation: "CreateMultipartUpload", method: "POST", target: "object", query: "uploads" },
  { operation: "CompleteMultipartUpload", method: "POST", target: "object", query: "uploadId" },
  { operation: "UploadPart", method: "PUT", target: "object", query: "uploadId" },
  { operation: "AbortMultipartUpload", method: "DELETE", target: "object", query: "uploadId" },
  { operation: "CopyObject", method: "PUT", target: "object", header: "x-amz-copy-source" },
  { operation: "PutObject", method: "PUT", target: "object" },
  { operation: "GetObject", method: "GET", target: "object" },
  { operation: "HeadObject", method: "HEAD", target: "object" },
  { operation: "DeleteObject", method: "DELETE", target: "object" },
];

/** The operations whose body is an object's content: read as a stream, never buffered. */
export const STREAMED: ReadonlySet<S3Operation> = new Set(["PutObject", "UploadPart"]);

/** Where a request points: bucket (empty for the service) and key (empty for a bucket). */
export interface Address {
  bucket: string;
  key: string;
  /** The bucket came from the Host header (virtual-host style). */
  virtualHost: boolean;
}

/** Host names whose sub-domains name buckets: `bkt.localhost`, `bkt.s3.localhost`, `bkt.s3.us-east-1.amazonaws.com`. */
export const DEFAULT_HOST_SUFFIXES = ["s3.localhost", "localhost", "localhost.localstack.cloud", "s3.amazonaws.com"];
const AWS_REGIONAL = /^(.+)\.s3[.-](?:dualstack\.)?[a-z0-9-]+\.amazonaws\.com$/;

export function bucketFromHost(hostname: string, suffixes: readonly string[]): string | undefined {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  for (const suffix of suffixes) {
    if (host.length > suffix.length + 1 && host.endsWith(`.${suffix}`)) return host.slice(0, -suffix.length - 1);
  }
  return AWS_REGIONAL.exec(host)?.[1];
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error("InvalidArgument", `The path "${text.slice(0, 128)}" is not valid percent-encoding`);
  }
}

export function addressOf(head: RequestHead, suffixes: readonly string[]): Address {
  const path = requestPath(head);
  const fromHost = bucketFromHost(head.url.hostname, suffixes);
  if (fromHost !== undefined) return { bucket: fromHost, key: decode(path.slice(1)), virtualHost: true };
  const rest = path.slice(1);
  const slash = rest.indexOf("/");
  if (slash < 0) return { bucket: decode(rest), key: "", virtualHost: false };
  return { bucket: decode(rest.slice(0, slash)), key: decode(rest.slice(slash + 1)), virtualHost: false };
}

export function targetOf(address: Address): Target {
  return address.bucket === "" ? "service" : address.key === "" ? "bucket" : "object";
}

export function matchRoute(head: RequestHead, target: Target): Route {
  const query = head.url.searchParams;
  let sameTarget = false;
  for (const r of ROUTES) {
    if (r.target !== target) continue;
    if (r.query !== undefined && !query.has(r.query)) continue;
    if (r.header !== undefined && !head.headers.has(r.header)) continue;
    sameTarget = true;
    if (r.method === head.method) return r;
  }
  if (sameTarget) throw new S3Error("MethodNotAllowed", `The specified method ${head.method.slice(0, 16)} is not allowed against this resource.`);
  throw new S3Error("NotImplemented", `A header or query you provided implies functionality that is not implemented: ${head.method.slice(0, 16)} on this ${target}`);
}

/**
 * Everything the three job dialects leave: not S3 Control's `/v20180820/`, not OSS's
 * `/?batchJob...`, not COS's `/jobs...` (as COS claims it), not the admin API.
 */
export function claims(head: RequestHead): boolean {
  const path = requestPath(head);
  if (path === PATH_PREFIX || path.startsWith(`${PATH_PREFIX}/`)) return false;
  if (path === "/_batchplane" || path.startsWith("/_batchplane/")) return false;
  if (isBatchRequest(path, head.url)) return false;
  return !isCosRequest(head);
}
