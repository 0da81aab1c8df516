import type { LifecyclePolicy, ObjectRule } from "../jobs/policy.js";
import type { Operation } from "../model/operation.js";
import { failed, type ExecutorPorts, type Task, type TaskResult } from "../operations/types.js";

type Execute<O extends Operation> = (task: Task, operation: O, ports: ExecutorPorts) => Promise<TaskResult | void>;

/**
 * The executor of a job's operation behind its policy's per-object rule, if the policy has one
 * for that operation: the object's head is read first (a missing object fails the task as the
 * executor's own call would, a transient error retries the whole task), and a refusal fails the
 * task with the rule's code, status and message, which its report row carries. Without a rule,
 * the executor itself: no extra call.
 */
export function withObjectRule<O extends Operation>(execute: Execute<O>, policy: LifecyclePolicy, operation: O): Execute<O> {
  const rule = policy.objectRules?.[operation.type] as ObjectRule<O["type"]> | undefined;
  if (!rule) return execute;
  return async (task, op, ports) => {
    const refusal = rule(op as never, await ports.objects.head(task));
    return refusal ? failed(refusal.code, refusal.status, refusal.message) : execute(task, op, ports);
  };
}
