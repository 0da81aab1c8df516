import type { OperationOf, OperationType } from "../model/operation.js";
import type { JobStatus, RequestedStatus } from "../model/status.js";
import type { ObjectInfo } from "../ports.js";
import { CANCELLABLE, userTargets } from "./transitions.js";

const DAY = 24 * 60 * 60 * 1000;

/** Why a dialect refuses one task: its report row's error code, HTTP status and message. */
export interface TaskRefusal {
  code: string;
  status: number;
  message: string;
}

/**
 * A provider's rule for one object of a job (a limit that depends on the object, such as its
 * storage class): given the operation and the object's head, a refusal fails that task alone.
 */
export type ObjectRule<T extends OperationType> = (operation: OperationOf<T>, object: ObjectInfo) => TaskRefusal | undefined;

/**
 * Where providers differ on the lifecycle, they differ here, as data: which user requests a status
 * allows, how long jobs are kept, what a job id looks like. A dialect supplies one; the core
 * never branches on the provider.
 */
export interface LifecyclePolicy {
  /** The dialect name jobs carry in `tenant.dialect`. */
  readonly name: string;
  /** Statuses from which a user may confirm (request Ready). */
  readonly confirmFrom: readonly JobStatus[];
  /** Statuses from which a cancel lands on Cancelled at once; from the others it goes via Cancelling. */
  readonly cancelImmediatelyFrom: readonly JobStatus[];
  /** A job left Suspended this long fails. */
  readonly suspendedTimeoutMs: number;
  /** A finished job is kept (listed, described) this long after its terminationDate. */
  readonly retentionMs: number;
  /** Whether UpdateJobPriority is accepted on a finished job. */
  readonly priorityChangeableWhenFinished: boolean;
  /** Shapes a job id from a fresh UUID. */
  jobId(uuid: string): string;
  /** Optional; the engine falls back to its default layout. */
  readonly reportLayout?: string;
  /** The cause a job shows while Suspended for confirmation (the providers' word for it). */
  readonly suspendedCause: string;
  /**
   * Pre-emption: a running job that gets no task slot for this long because jobs of a higher
   * priority hold them pauses (Active → Pausing while its tasks in flight finish → Paused), and
   * goes back to Active when a slot comes free for it. Undefined: it never pauses; it stays Active
   * and waits (a job that never started waits in Ready either way).
   */
  readonly preemptAfterMs?: number;
  /**
   * Per-object rules by operation type: before a task of such an operation runs, the engine reads
   * the object's head and asks the rule (engine/object-rules.ts). Operations without one cost no
   * extra call.
   */
  readonly objectRules?: { readonly [T in OperationType]?: ObjectRule<T> };
}

export const DEFAULT_POLICY: LifecyclePolicy = {
  name: "default",
  confirmFrom: ["Suspended"],
  cancelImmediatelyFrom: ["New", "Preparing", "Suspended", "Ready"],
  suspendedTimeoutMs: 30 * DAY,
  retentionMs: 90 * DAY,
  priorityChangeableWhenFinished: true,
  jobId: (uuid) => uuid,
  suspendedCause: "AwaitingConfirmation",
};

/** Builds a policy over the defaults and checks that it only enables transitions of the table. */
export function definePolicy(overrides: Partial<LifecyclePolicy> & { name: string }): LifecyclePolicy {
  const policy: LifecyclePolicy = { ...DEFAULT_POLICY, ...overrides };
  for (const from of policy.confirmFrom) {
    if (!userTargets(from, "Ready").includes("Ready")) {
      throw new Error(`policy ${policy.name}: confirming from ${from} is not in the transition table`);
    }
  }
  for (const from of policy.cancelImmediatelyFrom) {
    if (!userTargets(from, "Cancelled").includes("Cancelled")) {
      throw new Error(`policy ${policy.name}: cancelling ${from} at once is not in the transition table`);
    }
  }
  if (policy.preemptAfterMs !== undefined && !(Number.isFinite(policy.preemptAfterMs) && policy.preemptAfterMs >= 0)) {
    throw new Error(`policy ${policy.name}: preemptAfterMs must be a finite number of ms, at least 0`);
  }
  if (!(policy.suspendedTimeoutMs > 0) || !(policy.retentionMs > 0)) {
    throw new Error(`policy ${policy.name}: timeouts must be positive`);
  }
  return policy;
}

/** The status a user request leads to from `from` under `policy`, or undefined when refused. */
export function requestTarget(policy: LifecyclePolicy, from: JobStatus, request: RequestedStatus): JobStatus | undefined {
  if (request === "Ready") return policy.confirmFrom.includes(from) ? "Ready" : undefined;
  if (!CANCELLABLE.includes(from)) return undefined;
  return policy.cancelImmediatelyFrom.includes(from) ? "Cancelled" : "Cancelling";
}
