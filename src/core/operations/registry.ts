import type { Operation, OperationType } from "../model/operation.js";
import { addTagging } from "./add-tagging.js";
import { computeChecksum } from "./compute-checksum.js";
import { copy } from "./copy.js";
import { deleteObject } from "./delete.js";
import { deleteTagging } from "./delete-tagging.js";
import { invokeFunction } from "./invoke-function.js";
import { legalHold } from "./legal-hold.js";
import { putAcl } from "./put-acl.js";
import { putTagging } from "./put-tagging.js";
import { replicate } from "./replicate.js";
import { restore } from "./restore.js";
import { retention } from "./retention.js";
import type { Executor, ExecutorPorts, Task, TaskResult } from "./types.js";
import { updateEncryption } from "./update-encryption.js";

/** Operation type → executor: the one place an operation's behaviour is chosen. */
export const EXECUTORS: { readonly [T in OperationType]: Executor<T> } = {
  putTagging,
  addTagging,
  deleteTagging,
  putAcl,
  copy,
  restore,
  legalHold,
  retention,
  invokeFunction,
  replicate,
  computeChecksum,
  updateEncryption,
  delete: deleteObject,
};

/** The executor of an operation, typed for it. */
export function executorFor<O extends Operation>(operation: O): (task: Task, operation: O, ports: ExecutorPorts) => Promise<TaskResult | void> {
  return EXECUTORS[operation.type] as unknown as (task: Task, operation: O, ports: ExecutorPorts) => Promise<TaskResult | void>;
}
