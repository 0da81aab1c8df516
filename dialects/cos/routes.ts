import { CosError } from "./errors.js";

export type CosOperation = "CreateJob" | "DescribeJob" | "ListJobs" | "UpdateJobPriority" | "UpdateJobStatus" | "DeleteJob";

/** One API: a method and a path of literals and the `:id` label (spec §2). */
export interface Route {
  operation: CosOperation;
  method: string;
  path: readonly string[];
}

export const ROUTES: readonly Route[] = [
  { operation: "CreateJob", method: "POST", path: ["jobs"] },
  { operation: "ListJobs", method: "GET", path: ["jobs"] },
  { operation: "DescribeJob", method: "GET", path: ["jobs", ":id"] },
  // Not in Tencent's docs; the Go SDK and Terraform send it (spec §6.5).
  { operation: "DeleteJob", method: "DELETE", path: ["jobs", ":id"] },
  { operation: "UpdateJobPriority", method: "POST", path: ["jobs", ":id", "priority"] },
  { operation: "UpdateJobStatus", method: "POST", path: ["jobs", ":id", "status"] },
];

export interface RouteMatch {
  route: Route;
  /** The decoded `:id` segment, for the routes that have one. */
  jobId?: string;
}

/** Whether a path is in the COS batch namespace at all (what the dialect claims). */
export function isJobsPath(pathname: string): boolean {
  return pathname === "/jobs" || pathname.startsWith("/jobs/");
}

/**
 * The route of a request, or the COS error for a path or method no API has: MethodNotAllowed
 * when the path exists under another method, InvalidRequest otherwise.
 */
export function matchRoute(method: string, pathname: string): RouteMatch {
  const segments = decodeSegments(pathname);
  const shaped = ROUTES.filter((r) => r.path.length === segments.length && r.path.every((p, i) => p === ":id" || p === segments[i]));
  const route = shaped.find((r) => r.method === method);
  if (!route) {
    if (shaped.length === 0) throw new CosError("InvalidRequest", `No batch API answers ${method} ${pathname}`);
    const allowed = [...new Set(shaped.map((r) => r.method))].join(", ");
    throw new CosError("MethodNotAllowed", `The specified method ${method} is not allowed on ${pathname}; allowed: ${allowed}`);
  }
  const at = route.path.indexOf(":id");
  if (at < 0) return { route };
  const jobId = segments[at]!;
  if (jobId === "") throw new CosError("InvalidRequest", `No job ID provided in ${pathname}`);
  return { route, jobId };
}

function decodeSegments(pathname: string): string[] {
  try {
    return pathname.slice(1).split("/").map(decodeURIComponent);
  } catch {
    throw new CosError("InvalidRequest", `The request path is not validly percent-encoded: ${pathname}`);
  }
}
