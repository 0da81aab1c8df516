import { isObjectStoreError, ObjectStoreError } from "../../core/ports.js";
import { objectErrors as E } from "../object-rules.js";

/** What a request was about: how an error without a body (a HEAD's) is named. */
export interface CallContext {
  op: string;
  bucket: string;
  key?: string;
  versionId?: string;
}

/** S3-compatible stores' names for the port's codes. */
const CODE_ALIASES: Record<string, string> = {
  Forbidden: "AccessDenied",
  // A copy from an archived source: the port's word for "wrong object state".
  ObjectNotInActiveTierError: "InvalidObjectState",
  BadRequest: "InvalidArgument",
  Throttling: "SlowDown",
  ThrottlingException: "SlowDown",
  ThrottledException: "SlowDown",
  TooManyRequestsException: "SlowDown",
  RequestLimitExceeded: "SlowDown",
  RequestThrottled: "SlowDown",
  RequestThrottledException: "SlowDown",
  TimeoutError: "RequestTimeout",
};

/** Errors of the connection rather than of the store: worth another attempt. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNABORTED"]);

interface SdkError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/**
 * An SDK failure as the port's ObjectStoreError: S3's code and status, with the aliases above;
 * a bodiless 404 (HEAD) named from the context (asking the store whether the bucket exists);
 * throttling, 5xx, timeouts and network failures retryable.
 */
export async function s3Error(e: unknown, ctx: CallContext, bucketExists: (bucket: string) => Promise<boolean>): Promise<ObjectStoreError> {
  if (isObjectStoreError(e)) return e;
  const err = (e ?? {}) as SdkError;
  const status = err.$metadata?.httpStatusCode;
  const name = err.Code ?? err.name ?? "InternalError";

  if (status === undefined) {
    const timeout = name === "TimeoutError" || err.code === "ETIMEDOUT" || /timed? ?out/i.test(err.message ?? "");
    const network = timeout || NETWORK_CODES.has(err.code ?? "") || name === "AbortError";
    if (!network) return new ObjectStoreError("InternalError", 500, `${ctx.op} failed: ${err.message ?? String(e)}`, { cause: e });
    return new ObjectStoreError(timeout ? "RequestTimeout" : "ServiceUnavailable", timeout ? 408 : 503, `${ctx.op} could not reach the store: ${err.message ?? name}`, {
      retryable: true,
      cause: e,
    });
  }

  const bodiless = err.Code === undefined && (name === "NotFound" || name === "Unknown" || name === "UnknownError");
  if (status === 404 && bodiless) {
    const ref = { bucket: ctx.bucket, key: ctx.key ?? "", versionId: ctx.versionId };
    if (ctx.key === undefined || !(await bucketExists(ctx.bucket))) return E.noSuchBucket(ctx.bucket);
    return ctx.versionId === undefined ? E.noSuchKey(ref) : E.noSuchVersion(ref);
  }
  if (status === 405 && bodiless) return E.methodNotAllowed();
  if (status === 403 && bodiless) return new ObjectStoreError("AccessDenied", 403, `${ctx.op}: Access Denied`, { cause: e });

  const code = CODE_ALIASES[name] ?? name;
  const throttled = code === "SlowDown" || err.$retryable?.throttling === true;
  return new ObjectStoreError(code, status, err.message && err.message !== "UnknownError" ? err.message : `${ctx.op} failed: ${code} (${status})`, {
    retryable: throttled || status >= 500 || code === "RequestTimeout",
    cause: e,
  });
}
