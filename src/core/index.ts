export * from "./body.js";
export * from "./clock.js";
export * from "./errors.js";
export * from "./ids.js";
export * from "./jobs/digest.js";
export * from "./jobs/job-service.js";
export * from "./jobs/policy.js";
export * from "./jobs/status-change.js";
export * from "./jobs/transitions.js";
export * from "./model/index.js";
export * from "./ports.js";
export * from "./engine/index.js";
export {
  decodeKey,
  encodeKey,
  ManifestError,
  type TaskRecord,
} from "./manifest/index.js";
export {
  EXECUTORS,
  FUNCTION_INVOKER_NOT_CONFIGURED,
  UNSUPPORTED_CHECKSUM_ALGORITHM,
  type Executor,
  type ExecutorPorts,
  type Task,
  type TaskResult,
} from "./operations/index.js";
