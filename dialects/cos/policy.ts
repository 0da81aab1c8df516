import { definePolicy } from "../../src/core/jobs/policy.js";

const DAY = 24 * 60 * 60 * 1000;
const PREEMPT_AFTER_MS = 5_000;

/**
 * COS's lifecycle rules, as far as the sources give them (spec §6).
 * - confirmFrom [Suspended]: "Suspended → Ready: user confirms; never returns to Suspended" (D-MG).
 * - cancelImmediatelyFrom: unspecified for COS; S3's behaviour (nothing runs yet, so the job is
 *   Cancelled at once; Active and Paused jobs go through Cancelling, as D-MG's Cancelling state implies).
 * - suspendedTimeoutMs: unspecified for COS; 30 days, as S3.
 * - retentionMs: ListJobs shows the jobs of the last 90 days (D-MG).
 * - priorityChangeableWhenFinished: false. UpdateJobPriority on a finished job is NoSuchJob 404,
 *   "does not exist or has already been completed" (seeds 001/002, D-UP).
 * - Job ids: every example is a 36-character lowercase UUID (D-CJ, GOT).
 * - suspendedCause: D-DJ ties Suspended to a job awaiting confirmation and gives no wording; S3's.
 * - preemptAfterMs: "Active → Pausing → Paused" when a higher-priority job is created while this
 *   one runs, and "Paused → Active automatically, when the higher-priority job completes, fails or
 *   awaits confirmation" (D-MG, spec §6.2): a slot coming free is that. The delay is unspecified;
 *   5 s, as S3. A job that never started stays Ready meanwhile (D-MG), as the engine does anyway.
 *   Cancel from Paused goes through Cancelling (the table); a priority change is accepted in any
 *   status but the finished ones (D-MG "may be changed while a job runs").
 */
export const cosPolicy = definePolicy({
  name: "cos",
  confirmFrom: ["Suspended"],
  cancelImmediatelyFrom: ["New", "Preparing", "Suspended", "Ready"],
  suspendedTimeoutMs: 30 * DAY,
  retentionMs: 90 * DAY,
  priorityChangeableWhenFinished: false,
  jobId: (uuid) => uuid.toLowerCase(),
  suspendedCause: "AwaitingConfirmation",
  preemptAfterMs: PREEMPT_AFTER_MS,
});
