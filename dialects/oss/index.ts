import { randomBytes } from "node:crypto";
import { contentMd5Problem } from "../content-md5.js";
import { requestPath, type Dialect, type WireRequest, type WireResponse } from "../dialect.js";
import { describeError, errorResponse, OssWireError, transportError } from "./errors.js";
import { HANDLERS } from "./handlers.js";
import { OSS_POLICY } from "./policy.js";
import { Query } from "./request.js";
import { isBatchRequest, routeOf } from "./routes.js";
import { ossSignature } from "./signature.js";
import { tenantOf } from "./tenant.js";

export { OSS_POLICY, ossJobId, uuidOfJobId } from "./policy.js";
export { ROUTES } from "./routes.js";
export { ossSignature } from "./signature.js";

export interface OssDialectOptions {
  /** Makes `x-oss-request-id` (24 uppercase hex characters by default, as OSS's) predictable in tests. */
  requestId?: () => string;
}

/**
 * Alibaba Cloud OSS Batch Operations: CreateJob, DescribeJob, ListJobs, UpdateJobPriority and
 * UpdateJobStatus on the service endpoint, as shared/spec/alibaba-oss.md describes them.
 */
export function ossDialect(options: OssDialectOptions = {}): Dialect {
  const newRequestId = options.requestId ?? (() => randomBytes(12).toString("hex").toUpperCase());

  const respond = (requestId: string, body: string): WireResponse => ({
    status: 200,
    headers: { "content-type": "application/xml", "x-oss-request-id": requestId },
    body,
  });

  return {
    name: "oss",
    policy: OSS_POLICY,
    claims: (head) => isBatchRequest(requestPath(head), head.url),
    signature: ossSignature,

    async handle(request: WireRequest, { jobs }) {
      const requestId = newRequestId();
      try {
        const tenant = tenantOf(request);
        const query = new Query(request.url);
        const route = routeOf(request.method, query);
        checkContentMd5(request);
        return respond(requestId, await HANDLERS[route.operation]({ request, query, tenant, jobs }));
      } catch (error) {
        return errorResponse(describeError(error), { requestId, hostId: request.url.host });
      }
    },

    reject(head, problem) {
      return errorResponse(transportError(problem), { requestId: newRequestId(), hostId: head.url.host });
    },
  };
}

/** Go and Java send Content-MD5 on every request [GO-SIG, JV]; a mismatch is refused as OSS does. */
function checkContentMd5(request: WireRequest): void {
  const problem = contentMd5Problem(request.headers, request.body);
  if (problem) throw new OssWireError("InvalidDigest", `The body's MD5 is ${problem.actual}, not ${problem.given}.`);
}
