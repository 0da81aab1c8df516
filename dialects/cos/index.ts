import { requestPath, type Dialect, type RequestHead, type WireRequest, type WireResponse } from "../dialect.js";
import { problemOf, STATUS, transportProblem, type CosProblem } from "./errors.js";
import { HANDLERS } from "./handlers.js";
import { cosPolicy } from "./policy.js";
import { randomCosIds, type CosIds } from "./request-ids.js";
import { checkContentMd5 } from "./request.js";
import { tenantOf } from "./tenant.js";
import { encodeError } from "./response.js";
import { isJobsPath, matchRoute, type CosOperation } from "./routes.js";
import { cosSignature } from "./signature.js";

export { cosPolicy } from "./policy.js";
export { formatCosArn, parseCosArn, type CosArn } from "./arn.js";
export type { CosIds } from "./request-ids.js";
export { cosSignature } from "./signature.js";

export interface CosDialectOptions {
  /** Request and trace ids; random by default. */
  ids?: CosIds;
}

/** Headers that mark a request as another provider's (a path-style S3 or OSS request for a bucket called "jobs"). */
const FOREIGN_HEADER = /^x-(?:amz|oss)-/i;
const FOREIGN_AUTH = /^(?:AWS|OSS)/;

/** The requests COS claims: `/jobs...` without another provider's headers (the S3 object API leaves them to it). */
export function isCosRequest(head: RequestHead): boolean {
  if (!isJobsPath(requestPath(head))) return false;
  for (const [name, v] of head.headers) {
    if (FOREIGN_HEADER.test(name) || (name === "authorization" && FOREIGN_AUTH.test(v))) return false;
  }
  return true;
}

/**
 * Tencent Cloud COS batch operations (spec tencent-cos.md): `/jobs...` on any host, the account
 * named by `x-cos-appid`, the region by a `<uin>.cos-control.<region>.myqcloud.com` host.
 */
export function cosDialect(options: CosDialectOptions = {}): Dialect {
  const ids = options.ids ?? randomCosIds;

  const ok = (body: string | undefined): WireResponse => ({
    status: 200,
    headers: { ...(body === undefined ? {} : { "content-type": "application/xml" }), server: "tencent-cos", "x-cos-request-id": ids.requestId() },
    body,
  });

  const fail = (head: RequestHead, problem: CosProblem): WireResponse => {
    const requestId = ids.requestId();
    const traceId = ids.traceId();
    return {
      status: STATUS[problem.code],
      headers: { "content-type": "application/xml", server: "tencent-cos", "x-cos-request-id": requestId, "x-cos-trace-id": traceId },
      body: encodeError(problem, `${head.url.host}${requestPath(head)}`, requestId, traceId),
    };
  };

  return {
    name: "cos",
    policy: cosPolicy,
    signature: cosSignature,
    claims: isCosRequest,
    async handle(request: WireRequest, { jobs }) {
      let op: CosOperation | undefined;
      try {
        const { route, jobId } = matchRoute(request.method, requestPath(request));
        op = route.operation;
        const tenant = tenantOf(request.url, request.headers);
        checkContentMd5(request.headers, request.body);
        return ok(await HANDLERS[route.operation]({ jobs, tenant, jobId: jobId ?? "", request }));
      } catch (error) {
        return fail(request, problemOf(error, op));
      }
    },
    reject: (head, problem) => fail(head, transportProblem(problem)),
  };
}
