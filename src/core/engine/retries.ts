import { isObjectStoreError, type Body, type ObjectStore } from "../ports.js";

export interface RetryOptions {
  /** Tries in all, the first included. */
  maxAttempts: number;
  /** The wait before the first retry; each further retry waits twice as long... */
  baseDelayMs: number;
  /** ...up to this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 5_000 };

/** Exponential backoff without jitter: deterministic under a ManualClock (retry `n` is 1-based). */
export function backoffDelay(n: number, options: RetryOptions): number {
  return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (n - 1));
}

/** Transient: the store says so (5xx, throttling, timeouts: ObjectStoreError.retryable). */
export function isTransient(error: unknown): boolean {
  return isObjectStoreError(error) && error.retryable;
}

/** Runs calls again after a backoff while they fail transiently; `sleep` comes from the engine's clock. */
export class Retrier {
  constructor(
    readonly options: RetryOptions,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /** The fast path costs one extra promise; the loop starts only after a transient failure. */
  run<T>(call: () => Promise<T>): Promise<T> {
    let first: Promise<T>;
    try {
      first = call();
    } catch (e) {
      first = Promise.reject(e);
    }
    return first.catch((e: unknown) => this.again(call, e));
  }

  private async again<T>(call: () => Promise<T>, error: unknown): Promise<T> {
    for (let attempt = 2; isTransient(error) && attempt <= this.options.maxAttempts; attempt++) {
      await this.sleep(backoffDelay(attempt - 1, this.options));
      try {
        return await call();
      } catch (e) {
        error = e;
      }
    }
    throw error;
  }

  /** Calls again while the result is a temporary failure (a function's TemporaryFailure); gives the last result. */
  async whileResult<T>(call: () => Promise<T>, transient: (result: T) => boolean): Promise<T> {
    let result = await this.run(call);
    for (let attempt = 2; transient(result) && attempt <= this.options.maxAttempts; attempt++) {
      await this.sleep(backoffDelay(attempt - 1, this.options));
      result = await this.run(call);
    }
    return result;
  }
}

const replayable = (body: Body) => typeof body === "string" || body instanceof Uint8Array;

/**
 * The store the executors and the engine use: every call retried on transient errors. A put whose
 * body is a stream cannot be replayed, so it is tried once (the report writer retries those
 * itself, rebuilding the stream).
 */
export function retryingStore(inner: ObjectStore, retrier: Retrier): ObjectStore {
  const r = <T>(call: () => Promise<T>) => retrier.run(call);
  const store: ObjectStore = {
    head: (ref) => r(() => inner.head(ref)),
    get: (ref) => r(() => inner.get(ref)),
    put: (req) => (replayable(req.body) ? r(() => inner.put(req)) : inner.put(req)),
    list: (req) => r(() => inner.list(req)),
    delete: (ref) => r(() => inner.delete(ref)),
    copy: (req) => r(() => inner.copy(req)),
    getTagging: (ref) => r(() => inner.getTagging(ref)),
    putTagging: (ref, tags) => r(() => inner.putTagging(ref, tags)),
    deleteTagging: (ref) => r(() => inner.deleteTagging(ref)),
    getAcl: (ref) => r(() => inner.getAcl(ref)),
    putAcl: (ref, acl) => r(() => inner.putAcl(ref, acl)),
    restore: (ref, req) => r(() => inner.restore(ref, req)),
    putLegalHold: (ref, status) => r(() => inner.putLegalHold(ref, status)),
    putRetention: (ref, retention) => r(() => inner.putRetention(ref, retention)),
  };
  if (inner.createBucket) store.createBucket = (bucket, options) => r(() => inner.createBucket!(bucket, options));
  if (inner.replicationTarget) store.replicationTarget = (bucket) => r(() => inner.replicationTarget!(bucket));
  return store;
}
