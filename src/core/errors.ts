import type { JobStatus } from "./model/status.js";

/**
 * Typed domain errors. Each dialect owns a table from `kind` to its own code, HTTP status and
 * envelope; the core never picks a wire code.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
}

export type DomainErrorKind =
  | "JobNotFound"
  | "InvalidArgument"
  | "InvalidTransition"
  | "ActionNotAllowed"
  | "IdempotencyConflict"
  | "TooManyTags"
  | "ConcurrentUpdate"
  | "StoreUnavailable";

export class JobNotFoundError extends DomainError {
  readonly kind = "JobNotFound" as const;
  constructor(readonly jobId: string) {
    super(`The specified job does not exist: ${jobId}`);
  }
}

/** A value the domain refuses; `field` names it in the core's words (e.g. "priority", "operation.tags"). */
export class InvalidArgumentError extends DomainError {
  readonly kind = "InvalidArgument" as const;
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`Invalid ${field}: ${detail}`);
  }
}

/** A status change the job's current status does not allow. */
export class InvalidTransitionError extends DomainError {
  readonly kind = "InvalidTransition" as const;
  constructor(
    readonly jobId: string,
    readonly current: JobStatus,
    readonly requested: JobStatus,
  ) {
    super(`Job ${jobId} is ${current}; it cannot be moved to ${requested}`);
  }
}

/** An action (priority change, deletion) that the policy refuses in the job's current status. */
export class ActionNotAllowedError extends DomainError {
  readonly kind = "ActionNotAllowed" as const;
  constructor(
    readonly jobId: string,
    readonly current: JobStatus,
    readonly action: "updatePriority" | "delete",
  ) {
    super(
      action === "delete"
        ? `Job ${jobId} is ${current}; only a job that has finished can be deleted`
        : `Job ${jobId} is ${current}; the priority of a finished job cannot change`,
    );
  }
}

export class IdempotencyConflictError extends DomainError {
  readonly kind = "IdempotencyConflict" as const;
  constructor(
    readonly clientRequestToken: string,
    readonly existingJobId: string,
  ) {
    super(
      `ClientRequestToken ${clientRequestToken} was already used for job ${existingJobId} with a different request`,
    );
  }
}

export class TooManyTagsError extends DomainError {
  readonly kind = "TooManyTags" as const;
  constructor(
    readonly count: number,
    readonly limit: number,
  ) {
    super(`A job can have at most ${limit} tags; ${count} were given`);
  }
}

/** Optimistic-concurrency retries ran out: another writer kept changing the job. */
export class ConcurrentUpdateError extends DomainError {
  readonly kind = "ConcurrentUpdate" as const;
  constructor(readonly jobId: string) {
    super(`Job ${jobId} is being changed by another writer; try again`);
  }
}

/**
 * The job store (a database) cannot be reached or did not answer in time: transient, the request
 * may be repeated. Dialects answer it with their 503; engines retry it with backoff.
 */
export class StoreUnavailableError extends DomainError {
  readonly kind = "StoreUnavailable" as const;
  constructor(message = "The job store is unavailable; try again", options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
