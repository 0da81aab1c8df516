import { definePolicy } from "../../src/core/jobs/policy.js";
import { DIALECT_NAME } from "./tenant.js";

const DAY = 24 * 60 * 60 * 1000;
const PREEMPT_AFTER_MS = 5_000;

/**
 * S3 Batch Operations' lifecycle (spec §6.2, §6.7): confirm only from Suspended; a cancel lands
 * at once where no task runs yet and goes through Cancelling otherwise; a Suspended job fails
 * after 30 days; finished jobs are kept 90 days; the job id is the UUID itself.
 */
export function s3ControlPolicy(overrides: { suspendedTimeoutMs?: number; retentionMs?: number; preemptAfterMs?: number } = {}) {
  return definePolicy({
    name: DIALECT_NAME,
    confirmFrom: ["Suspended"],
    cancelImmediatelyFrom: ["New", "Preparing", "Suspended", "Ready"],
    suspendedTimeoutMs: overrides.suspendedTimeoutMs ?? 30 * DAY,
    retentionMs: overrides.retentionMs ?? 90 * DAY,
    // The User Guide: priority can change while a job runs; nothing forbids it after (unspecified).
    priorityChangeableWhenFinished: true,
    jobId: (uuid) => uuid,
    // SuspendedCause's values are unspecified (spec §3.3, §9); a job waits only for confirmation.
    suspendedCause: "AwaitingConfirmation",
    // A newly submitted higher-priority job: "the lower-priority job can pause to allow the
    // higher-priority job to run" (spec §6.4 [UG:batch-ops-job-priority]); Paused "→ Active when
    // blockers finish" (spec §6.1). After how long is unspecified: a few seconds, so that a job that misses
    // slots only at a unit's edge does not flap between Active and Paused.
    preemptAfterMs: overrides.preemptAfterMs ?? PREEMPT_AFTER_MS,
  });
}
