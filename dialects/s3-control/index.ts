import { requestPath, type Dialect, type DialectContext, type RequestHead, type TransportProblem, type WireRequest, type WireResponse } from "../dialect.js";
import { resultXml } from "./response.js";
import { errorResponse, idHeaders, newRequestIds, transportError, type RequestIds } from "./errors.js";
import { s3ControlPolicy } from "./policy.js";
import { HANDLERS, RenderCache } from "./handlers.js";
import { matchRoute, PATH_PREFIX } from "./routes.js";
import { s3ControlSignature } from "./signature.js";
import { DIALECT_NAME, tenantOf } from "./tenant.js";

export interface S3ControlDialectOptions {
  /** How long a job may stay Suspended before it fails (default 30 days). */
  suspendedTimeoutMs?: number;
  /** How long a finished job stays listed and described (default 90 days). */
  retentionMs?: number;
  /** Makes `x-amz-request-id` / `x-amz-id-2`; random by default. */
  requestIds?: () => RequestIds;
  /** Told about failures that are batchplane's fault (answered InternalServiceException). */
  onInternalError?: (error: unknown) => void;
}

/**
 * The AWS S3 Control dialect: the eight S3 Batch Operations job operations under `/v20180820/`,
 * as the AWS SDKs (JavaScript v3, boto3, the AWS CLI) send and expect them.
 */
export function s3ControlDialect(options: S3ControlDialectOptions = {}): Dialect {
  const ids = options.requestIds ?? newRequestIds;
  const onInternal = options.onInternalError ?? ((e: unknown) => console.error("batchplane s3-control: internal error:", e));

  const fail = (error: unknown, requestIds: RequestIds): WireResponse => {
    const response = errorResponse(error, requestIds);
    if (response.status >= 500) onInternal(error);
    return response;
  };

  const written = new RenderCache();

  return {
    name: DIALECT_NAME,
    policy: s3ControlPolicy(options),
    signature: s3ControlSignature,

    claims(head: RequestHead): boolean {
      const p = requestPath(head);
      return p === PATH_PREFIX || p.startsWith(`${PATH_PREFIX}/`);
    },

    async handle(request: WireRequest, context: DialectContext): Promise<WireResponse> {
      const requestIds = ids();
      try {
        const tenant = tenantOf(request);
        const { route, params } = matchRoute(request.method, requestPath(request));
        const result = await HANDLERS[route.operation]({ request, tenant, params, jobs: context.jobs, written });
        return {
          status: 200,
          // Written out rather than spread together: this object is made for every request.
          headers: result
            ? { "content-type": "application/xml", "x-amz-request-id": requestIds.requestId, "x-amz-id-2": requestIds.hostId }
            : idHeaders(requestIds),
          body: result && ("xml" in result ? result.xml : resultXml(result.root, result.schema, result.value)),
        };
      } catch (error) {
        return fail(error, requestIds);
      }
    },

    reject(_head: RequestHead, problem: TransportProblem): WireResponse {
      return fail(transportError(problem), ids());
    },
  };
}

export { s3ControlPolicy } from "./policy.js";
export { localEndpointConfig, type LocalEndpointConfig, type LocalEndpointOptions } from "./client-config.js";
export { ERROR_TABLE, type RequestIds } from "./errors.js";
export { ROUTES } from "./routes.js";
export { DIALECT_NAME } from "./tenant.js";
export { s3ControlSignature } from "./signature.js";
