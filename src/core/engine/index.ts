/** The engine that runs jobs, and what embedding it or writing a report layout needs. */
export { Engine, type EngineOptions } from "./engine.js";
export { checkpointOf, checkpointSchema, type Checkpoint } from "./checkpoint.js";
export { crossesThreshold, DEFAULT_FAILURE_THRESHOLD, FAILURES, type FailureThreshold } from "./failures.js";
export {
  csvField,
  DEFAULT_REPORT_LAYOUT,
  jobReportBase,
  REPORT_LAYOUTS,
  type ReportLayout,
  type ResultsFile,
  type TaskStatus,
} from "./report-layouts.js";
export { backoffDelay, DEFAULT_RETRY, isTransient, type RetryOptions } from "./retries.js";
