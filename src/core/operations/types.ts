import type { OperationOf, OperationType } from "../model/operation.js";
import { isObjectStoreError, type FunctionInvoker, type ObjectRef, type ObjectStore } from "../ports.js";

/** One object of a job's manifest, as an executor sees it. */
export interface Task extends ObjectRef {
  /** Position in the manifest (0-based): the task's id within its job. */
  readonly ordinal: number;
}

/** What happened to one task: one row of the completion report. */
export interface TaskResult {
  readonly status: "succeeded" | "failed";
  /** The status code of the underlying call (200 on success). */
  readonly httpStatus: number;
  readonly errorCode?: string;
  /** The operation's result (a function's resultString, a checksum) or the error text. */
  readonly message?: string;
}

export interface ExecutorPorts {
  /** Transient errors are already retried with backoff behind this store. */
  readonly objects: ObjectStore;
  readonly functions?: FunctionInvoker;
  readonly jobId: string;
  /**
   * Calls `call` again, with the engine's backoff, while `transient(result)` says the result is a
   * temporary failure; gives the last result when the attempts run out.
   */
  retryWhile<T>(call: () => Promise<T>, transient: (result: T) => boolean): Promise<T>;
}

/**
 * Applies one operation to one object. Resolves with the task's result, or with nothing when the
 * task simply succeeded (SUCCEEDED): an executor whose one store call is the task returns that
 * call's promise as it is, no extra promise a task. Rejections become failed tasks (see `failureOf`).
 */
export type Executor<T extends OperationType> = (task: Task, operation: OperationOf<T>, ports: ExecutorPorts) => Promise<TaskResult | void>;

/** The one success result most operations give; shared so that the hot path allocates nothing. */
export const SUCCEEDED: TaskResult = Object.freeze({ status: "succeeded", httpStatus: 200, message: "Successful" });

export function succeeded(message: string): TaskResult {
  return { status: "succeeded", httpStatus: 200, message };
}

export function failed(errorCode: string, httpStatus: number, message: string): TaskResult {
  return { status: "failed", httpStatus, errorCode, message };
}

/** A store's error keeps its code and status; anything else is an internal error of the task. */
export function failureOf(error: unknown): TaskResult {
  if (isObjectStoreError(error)) return failed(error.code, error.status, error.message);
  const message = error instanceof Error ? error.message : String(error);
  return failed("InternalError", 500, message || "The task failed unexpectedly");
}
