import { OssWireError } from "./errors.js";
import type { Query } from "./request.js";

/**
 * The five operations live on the service endpoint's path `/` and are told apart by a
 * value-less query sub-resource (`?batchJob`, `?batchJobPriority`, `?batchJobStatus`) and the
 * method [spec §1]; DescribeJob is ListJobs' route plus `batchJobId`. Routes are data, ranked by
 * specificity (more required query keys first).
 */
export const SUBRESOURCES = ["batchJob", "batchJobPriority", "batchJobStatus"] as const;
export type Subresource = (typeof SUBRESOURCES)[number];

export type OssOperation = "CreateJob" | "DescribeJob" | "ListJobs" | "UpdateJobPriority" | "UpdateJobStatus";

export interface Route {
  operation: OssOperation;
  method: "GET" | "POST";
  subresource: Subresource;
  /** Further query keys whose presence selects this route. */
  with: readonly string[];
}

const TABLE: Route[] = [
  { operation: "CreateJob", method: "POST", subresource: "batchJob", with: [] },
  // With both batchJobId and list parameters (unspecified) the request is a DescribeJob.
  { operation: "DescribeJob", method: "GET", subresource: "batchJob", with: ["batchJobId"] },
  { operation: "ListJobs", method: "GET", subresource: "batchJob", with: [] },
  { operation: "UpdateJobPriority", method: "POST", subresource: "batchJobPriority", with: [] },
  { operation: "UpdateJobStatus", method: "POST", subresource: "batchJobStatus", with: [] },
];

export const ROUTES: readonly Route[] = [...TABLE].sort((a, b) => b.with.length - a.with.length);

/**
 * Whether a request is OSS Batch Operations': path `/` and a query key starting `batchJob`.
 * Narrow on purpose, so that an OSS emulator mounting batchplane keeps every other request
 * (ListBuckets is also `GET /`) for its own routes.
 */
export function isBatchRequest(path: string, url: URL): boolean {
  if (path !== "/") return false;
  for (const key of url.searchParams.keys()) if (key.startsWith("batchJob")) return true;
  return false;
}

/** The route for a claimed request; a known sub-resource with another method is 405. */
export function routeOf(method: string, query: Query): Route {
  const present = SUBRESOURCES.filter((s) => query.has(s));
  if (present.length !== 1) {
    const found = present.length === 0 ? "none" : present.join(" and ");
    throw new OssWireError("UnknownSubresource", `A batch request names exactly one sub-resource of ${SUBRESOURCES.join(", ")}; found ${found}.`);
  }
  const candidates = ROUTES.filter((r) => r.subresource === present[0] && r.with.every((k) => query.has(k)));
  const route = candidates.find((r) => r.method === method);
  if (!route) {
    const allowed = [...new Set(candidates.map((r) => r.method))].join(", ");
    throw new OssWireError("MethodNotAllowed", `${method} /?${present[0]} is not an operation; use ${allowed}.`);
  }
  return route;
}
