import type { RequestHead, WireResponse } from "../../dialects/dialect.js";

/** What an access-log line says beyond method, path and status. */
export interface AccessFields {
  requestId?: string;
  /** The error code of an error response. */
  errorCode?: string;
  /** The job the request concerned, when it names one (or created one). */
  jobId?: string;
}

/**
 * Read off the answered request, the same way for every dialect: each provider puts its request
 * id in an `x-<provider>-request-id` header and its error code in the XML envelope's <Code>; a job
 * is named in the path (S3 Control, COS: .../jobs/ID), in the query (OSS: batchJobId) or, for a
 * created job, in the response's <JobId>. (Read here rather than by each dialect, so that the
 * dialects need no hook for it.)
 */
const REQUEST_ID_HEADER = /^x-[a-z0-9]+-request-id$/i;
const PATH_JOB = /\/jobs\/([^/?]+)/;
const QUERY_JOB = ["batchJobId", "jobId"];
const BODY_CODE = /<Code>([^<]{1,128})<\/Code>/;
const BODY_JOB = /<JobId>([^<]{1,128})<\/JobId>/;

/** A path segment decoded, or as it came when its percent-encoding is broken (a log never throws). */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function accessFields(head: RequestHead, wire: WireResponse): AccessFields {
  const fields: AccessFields = {};
  for (const [name, value] of Object.entries(wire.headers)) if (REQUEST_ID_HEADER.test(name)) fields.requestId = value;
  const text = wire.body === undefined ? "" : typeof wire.body === "string" ? wire.body : Buffer.from(wire.body.buffer, wire.body.byteOffset, Math.min(wire.body.byteLength, 4096)).toString("utf8");
  if (wire.status >= 400) {
    const code = BODY_CODE.exec(text)?.[1];
    if (code) fields.errorCode = code;
  }
  const fromPath = PATH_JOB.exec(head.url.pathname)?.[1];
  const fromQuery = QUERY_JOB.map((q) => head.url.searchParams.get(q)).find((v) => v);
  // Only a request that creates a job names it in the body (a listing names many).
  const created = head.method === "POST" || head.method === "PUT" ? BODY_JOB.exec(text.slice(0, 4096))?.[1] : undefined;
  const jobId = fromPath ? decodeSegment(fromPath) : (fromQuery ?? created);
  if (jobId) fields.jobId = jobId;
  return fields;
}
