import { definePolicy } from "../../src/core/jobs/policy.js";
import type { ObjectStore } from "../../src/core/ports.js";
import { requestPath, type Dialect, type RequestHead, type TransportProblem, type WireRequest, type WireResponse } from "../dialect.js";
import type { Principal, SignatureVerifier } from "../signature.js";
import { verifySigV4 } from "../sigv4.js";
import { idHeaders, newRequestIds, type RequestIds } from "../s3-control/errors.js";
import { toXml } from "../xml/index.js";
import type { S3Context } from "./context.js";
import { errorResponse, transportError } from "./errors.js";
import { HANDLERS } from "./handlers.js";
import { Multipart } from "./multipart.js";
import { addressOf, claims, DEFAULT_HOST_SUFFIXES, matchRoute, STREAMED, targetOf } from "./routes.js";
import { XMLNS } from "./shapes.js";

export const DIALECT_NAME = "s3";

export interface S3DialectOptions {
  /** The store whose buckets and objects the API serves (the engine's, so that jobs see them). */
  objects: ObjectStore;
  /** The region HeadBucket and GetBucketLocation name. Default us-east-1. */
  region?: string;
  /** Host names whose sub-domains are buckets (virtual-host style). Default: localhost, s3.localhost, s3.amazonaws.com... */
  hostSuffixes?: readonly string[];
  /** Where parts of multipart uploads are kept until completed. Default: the OS's temporary directory. */
  uploadDir?: string;
  /** The minimum size of every part but the last (S3: 5 MiB); lower it for tests. */
  minPartSize?: number;
  requestIds?: () => RequestIds;
  /** Told about failures that are batchplane's fault (answered InternalError). */
  onInternalError?: (error: unknown) => void;
}

/** The S3 object API signs with SigV4 under `s3`, as S3 Control does. */
export const s3Signature: SignatureVerifier = {
  async verify(request, keys, nowMs): Promise<Principal> {
    const credential = await verifySigV4(request, keys, nowMs, { service: "s3" });
    return { accessKeyId: credential.accessKeyId, account: credential.account };
  },
};

/**
 * The S3 REST object API (buckets, objects, their sub-resources, multipart uploads) over an
 * ObjectStore, path-style and virtual-host style, beside the three job dialects on one port:
 * it claims every request they leave (routes.ts says which). Object bodies stream both ways.
 */
export function s3Dialect(options: S3DialectOptions): Dialect {
  const ids = options.requestIds ?? newRequestIds;
  const onInternal = options.onInternalError ?? ((e: unknown) => console.error("batchplane s3: internal error:", e));
  const suffixes = options.hostSuffixes ?? DEFAULT_HOST_SUFFIXES;
  const region = options.region ?? "us-east-1";
  const uploads = new Multipart({ dir: options.uploadDir, minPartSize: options.minPartSize });

  const fail = (error: unknown, requestIds: RequestIds, head: RequestHead): WireResponse => {
    const response = errorResponse(error, requestIds, requestPath(head));
    if (response.status >= 500 && response.status !== 501 && response.status !== 503) onInternal(error);
    return response;
  };

  const streams = (head: RequestHead): boolean => {
    try {
      const route = matchRoute(head, targetOf(addressOf(head, suffixes)));
      return STREAMED.has(route.operation);
    } catch {
      return false;
    }
  };

  return {
    name: DIALECT_NAME,
    policy: definePolicy({
      // The object API creates no jobs; a policy is what every dialect registers.
      name: DIALECT_NAME,
      confirmFrom: ["Suspended"],
      cancelImmediatelyFrom: ["New", "Preparing", "Suspended", "Ready"],
      suspendedTimeoutMs: 30 * 86_400_000,
      retentionMs: 90 * 86_400_000,
      priorityChangeableWhenFinished: true,
      jobId: (uuid) => uuid,
    }),
    signature: s3Signature,
    claims,
    streamsBody: streams,

    async handle(request: WireRequest): Promise<WireResponse> {
      const requestIds = ids();
      try {
        const address = addressOf(request, suffixes);
        const route = matchRoute(request, targetOf(address));
        const account = request.principal?.account;
        const context: S3Context = {
          request,
          bucket: address.bucket,
          key: address.key,
          query: request.url.searchParams,
          objects: options.objects,
          owner: { id: account ?? "batchplane", displayName: account ?? "batchplane" },
          region,
          uploads,
        };
        const result = await HANDLERS[route.operation](context);
        const headers: Record<string, string> = { ...result.headers, ...idHeaders(requestIds) };
        if (result.stream) return { status: result.status ?? 200, headers, stream: result.stream };
        if (result.xml) {
          return { status: result.status ?? 200, headers: { ...headers, "content-type": "application/xml" }, body: toXml(result.xml.root, result.xml.value, { xmlns: XMLNS }) };
        }
        return { status: result.status ?? 200, headers };
      } catch (error) {
        return fail(error, requestIds, request);
      }
    },

    reject(head: RequestHead, problem: TransportProblem): WireResponse {
      return fail(transportError(problem), ids(), head);
    },
  };
}

export { ROUTES, claims as s3Claims } from "./routes.js";
