import type { FailureReason } from "../model/job.js";

export interface FailureThreshold {
  /** The rule applies once this many tasks ran... */
  minTasks: number;
  /** ...and fails the job when failed / ran exceeds this. */
  maxFailureRatio: number;
}

/** S3 §6.6 and COS: at least 1,000 tasks run and more than 50% of them failed. */
export const DEFAULT_FAILURE_THRESHOLD: FailureThreshold = { minTasks: 1000, maxFailureRatio: 0.5 };

export function crossesThreshold(t: FailureThreshold, succeeded: number, failed: number): boolean {
  const ran = succeeded + failed;
  return ran >= t.minTasks && failed > t.maxFailureRatio * ran;
}

/** Providers cap a failure reason at 256 characters (S3's JobFailure.FailureReason). */
const MAX_REASON = 256;

export function reason(code: string, text: string): FailureReason {
  return { code: code.slice(0, 64), reason: text.length <= MAX_REASON ? text : `${text.slice(0, MAX_REASON - 1)}…` };
}

/** The job-level failures the engine reports, as data. (The vocabulary is unspecified by the providers.) */
export const FAILURES = {
  threshold: (t: FailureThreshold, succeeded: number, failed: number) =>
    reason(
      "TaskFailureThresholdExceeded",
      `${failed} of the ${succeeded + failed} tasks run failed, more than ${Math.round(t.maxFailureRatio * 100)}% after at least ${t.minTasks} tasks`,
    ),
  // S3's troubleshooting guide gives this text for a report that could not be written.
  report: (detail: string) =>
    reason("ReportNotWritten", `The job report could not be written to your report bucket. Please check your permissions. (${detail})`),
  manifest: (code: string, text: string) => reason(code, text),
  internal: (detail: string) => reason("InternalError", `The job could not run: ${detail}`),
};
