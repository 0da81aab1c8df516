import { S3ControlError } from "./errors.js";

/**
 * The job API's routes, as data (botocore model, spec §2). A path pattern is literal segments
 * and `{label}`s; the method picks among the routes of one path.
 */
export type S3ControlOperation =
  | "CreateJob"
  | "ListJobs"
  | "DescribeJob"
  | "UpdateJobPriority"
  | "UpdateJobStatus"
  | "GetJobTagging"
  | "PutJobTagging"
  | "DeleteJobTagging";

export interface Route {
  operation: S3ControlOperation;
  method: string;
  path: string;
}

export const PATH_PREFIX = "/v20180820";

export const ROUTES: readonly Route[] = [
  { operation: "CreateJob", method: "POST", path: "/v20180820/jobs" },
  { operation: "ListJobs", method: "GET", path: "/v20180820/jobs" },
  { operation: "DescribeJob", method: "GET", path: "/v20180820/jobs/{id}" },
  { operation: "UpdateJobPriority", method: "POST", path: "/v20180820/jobs/{id}/priority" },
  { operation: "UpdateJobStatus", method: "POST", path: "/v20180820/jobs/{id}/status" },
  { operation: "GetJobTagging", method: "GET", path: "/v20180820/jobs/{id}/tagging" },
  { operation: "PutJobTagging", method: "PUT", path: "/v20180820/jobs/{id}/tagging" },
  { operation: "DeleteJobTagging", method: "DELETE", path: "/v20180820/jobs/{id}/tagging" },
];

interface Compiled {
  route: Route;
  segments: string[];
}

const COMPILED: Compiled[] = ROUTES.map((route) => ({ route, segments: route.path.split("/").slice(1) }));

export interface Match {
  route: Route;
  params: Record<string, string>;
}

/**
 * The route for a request, with its labels percent-decoded. A path that exists with another
 * method is answered MethodNotAllowed; a path that does not exist names what was asked.
 */
export function matchRoute(method: string, pathname: string): Match {
  const trimmed = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname;
  const segments = trimmed.split("/").slice(1);
  let pathExists = false;
  for (const c of COMPILED) {
    const params = matchSegments(c.segments, segments);
    if (!params) continue;
    pathExists = true;
    if (c.route.method === method) return { route: c.route, params };
  }
  if (pathExists) {
    const allowed = ROUTES.filter((r) => matchSegments(r.path.split("/").slice(1), segments)).map((r) => r.method);
    throw new S3ControlError("MethodNotAllowed", `The method ${method} is not allowed on ${pathname}; use ${allowed.join(" or ")}`);
  }
  throw new S3ControlError(
    "UnknownOperation",
    `No S3 Batch Operations job operation answers ${method} ${pathname.slice(0, 256)}; batchplane serves CreateJob, DescribeJob, ListJobs, UpdateJobPriority, UpdateJobStatus and Get/Put/DeleteJobTagging`,
  );
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const a = actual[i]!;
    if (p.startsWith("{")) params[p.slice(1, -1)] = decodeSegment(a);
    else if (p !== a) return undefined;
  }
  return params;
}

function decodeSegment(segment: string): string {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new S3ControlError("InvalidParameter", `The path segment "${segment.slice(0, 64)}" is not valid percent-encoding`);
  }
}
