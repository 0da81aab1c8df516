import type { TransportProblem } from "../dialect.js";
import {
  isDomainError,
  type ActionNotAllowedError,
  type ConcurrentUpdateError,
  type DomainError,
  type DomainErrorKind,
  type IdempotencyConflictError,
  type InvalidArgumentError,
  type InvalidTransitionError,
  type JobNotFoundError,
  type StoreUnavailableError,
  type TooManyTagsError,
} from "../../src/core/errors.js";
import { isTerminal } from "../../src/core/model/status.js";
import { XmlShapeError, XmlSyntaxError } from "../xml/index.js";
import type { CosOperation } from "./routes.js";

/**
 * The COS error codes this dialect answers with and their HTTP statuses: the batch catalogue
 * (spec §10.2) plus the generic COS codes (D-ERRC) for what the batch pages do not cover.
 */
export const STATUS = {
  InvalidArgument: 400,
  InvalidRequest: 400,
  MalformedXML: 400,
  InvalidDigest: 400,
  BadDigest: 400,
  EntityTooLarge: 400,
  NoSuchJob: 404,
  MethodNotAllowed: 405,
  InternalError: 500,
  ServiceUnavailable: 503,
} as const;
export type CosCode = keyof typeof STATUS;

export interface CosProblem {
  code: CosCode;
  message: string;
}

/** A refusal the dialect decides itself (a header, a query value, a route, a value in the body). */
export class CosError extends Error {
  constructor(
    readonly code: CosCode,
    message: string,
  ) {
    super(message);
    this.name = "CosError";
  }
}

const FINISHED = "has already been completed";
/** UpdateJobStatus and UpdateJobPriority word NoSuchJob as "does not exist or has already been completed" (seeds). */
const UPDATES: ReadonlySet<CosOperation> = new Set(["UpdateJobStatus", "UpdateJobPriority"]);

type ErrorOf = {
  JobNotFound: JobNotFoundError;
  InvalidArgument: InvalidArgumentError;
  InvalidTransition: InvalidTransitionError;
  ActionNotAllowed: ActionNotAllowedError;
  IdempotencyConflict: IdempotencyConflictError;
  TooManyTags: TooManyTagsError;
  ConcurrentUpdate: ConcurrentUpdateError;
  StoreUnavailable: StoreUnavailableError;
};

/** Domain error kind → COS code and message. */
const DOMAIN: { [K in DomainErrorKind]: (e: ErrorOf[K], op: CosOperation | undefined) => CosProblem } = {
  JobNotFound: (e, op) => ({
    code: "NoSuchJob",
    message: op && UPDATES.has(op) ? `The specified job does not exist or ${FINISHED}: ${e.jobId}` : `The specified job does not exist: ${e.jobId}`,
  }),
  InvalidArgument: (e) => ({ code: "InvalidArgument", message: `Invalid ${e.field}: ${e.detail}` }),
  /*
   * The seeds list two answers for a finished job on UpdateJobStatus: 400 InvalidRequest "The
   * specified job has already been completed" and 404 NoSuchJob "does not exist or has already
   * been completed". The 400 row is UpdateJobStatus's own; the 404 row is shared with
   * UpdateJobPriority (the only one D-UP lists). A 404 for a job that DescribeJob still shows
   * would read as "gone" to a client (Terraform drops a resource on 404), so a finished job is
   * the 400 here and the 404 on UpdateJobPriority (ActionNotAllowed below).
   */
  InvalidTransition: (e) =>
    isTerminal(e.current)
      ? { code: "InvalidRequest", message: `The specified job ${FINISHED}: job ${e.jobId} is ${e.current}` }
      : {
          code: "InvalidRequest",
          message: `Error with the job status change: job ${e.jobId} is ${e.current} and cannot be moved to ${e.requested}`,
        },
  ActionNotAllowed: (e) =>
    e.action === "updatePriority"
      ? { code: "NoSuchJob", message: `The specified job does not exist or ${FINISHED}: job ${e.jobId} is ${e.current}` }
      : // DeleteJob (SDK-only, semantics unspecified): a running job is refused, not silently
        // cancelled; the caller cancels it first, then deletes it once it has stopped.
        {
          code: "InvalidRequest",
          message: `Job ${e.jobId} is ${e.current}; only a finished job (Complete, Cancelled or Failed) can be deleted: cancel it first`,
        },
  IdempotencyConflict: (e) => ({
    code: "InvalidRequest",
    message: `Duplicate request: ClientRequestToken ${e.clientRequestToken} already exists (job ${e.existingJobId}) with a different request`,
  }),
  TooManyTags: (e) => ({ code: "InvalidArgument", message: e.message }),
  // A write lost to other writers: transient, so a 5xx that the SDKs retry.
  ConcurrentUpdate: (e) => ({ code: "ServiceUnavailable", message: e.message }),
  // The batch pages' "data persistence error" (spec §10.2); 503 as the generic list says, not the
  // batch list's 500 (contradiction #5): a 503 is what the SDKs retry and what "try later" means.
  StoreUnavailable: (e) => ({ code: "ServiceUnavailable", message: e.message }),
};

/** Transport problem (found by the server before the dialect) → COS code and message. */
const TRANSPORT: { [K in TransportProblem["kind"]]: (p: Extract<TransportProblem, { kind: K }>) => CosProblem } = {
  bodyTooLarge: (p) => ({ code: "EntityTooLarge", message: `The request body exceeds the maximum of ${p.limitBytes} bytes` }),
  unreadableBody: (p) => ({ code: "InvalidRequest", message: `The request body could not be read: ${p.message}` }),
  internal: () => ({ code: "InternalError", message: "We encountered an internal error. Please try again." }),
};

/** Whatever a request failed with → the COS code and a message that names the problem. */
export function problemOf(error: unknown, op?: CosOperation): CosProblem {
  if (error instanceof CosError) return { code: error.code, message: error.message };
  if (isDomainError(error)) return domainProblem(error, op);
  if (error instanceof XmlSyntaxError) return { code: "MalformedXML", message: `The XML you provided was not well-formed: ${error.message}` };
  if (error instanceof XmlShapeError) return { code: "MalformedXML", message: `The XML you provided does not match the schema: ${error.path} ${error.problem}` };
  return TRANSPORT.internal({ kind: "internal", error });
}

export function transportProblem(problem: TransportProblem): CosProblem {
  return (TRANSPORT[problem.kind] as (p: TransportProblem) => CosProblem)(problem);
}

function domainProblem(error: DomainError, op: CosOperation | undefined): CosProblem {
  return (DOMAIN[error.kind] as (e: DomainError, op: CosOperation | undefined) => CosProblem)(error, op);
}
