import { definePolicy } from "../../src/core/index.js";
import { ossRestoreRule } from "./restore-limits.js";

const DAY = 24 * 60 * 60 * 1000;

/**
 * A job id is standard base64 of the UUID's 32 lowercase hex digits: 44 characters, the first 43
 * letters and digits, the last "=" (every documented id decodes so; spec §3.1).
 */
export function ossJobId(uuid: string): string {
  const hex = uuid.replace(/-/g, "").toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, "ascii").toString("base64");
}

/** The UUID an OSS job id encodes, or undefined when it encodes none. */
export function uuidOfJobId(id: string): string | undefined {
  const hex = Buffer.from(id, "base64").toString("ascii");
  if (!/^[0-9a-f]{32}$/.test(hex) || ossJobId(hex) !== id) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const OSS_POLICY = definePolicy({
  name: "oss",
  // Ready "only if the current status of the job is Suspended or Preparing" [S-UJS].
  confirmFrom: ["Suspended", "Preparing"],
  // "When a job is canceled, it does not stop immediately. The job first enters the Cancelling
  // state" [S-CJ], and the sample answers Cancelling [S-UJS]: never straight to Cancelled.
  cancelImmediatelyFrom: [],
  // "Suspended for more than 14 days without user confirmation ... changes to Failed" [S-CJ].
  suspendedTimeoutMs: 14 * DAY,
  // Retention of finished jobs is unspecified for OSS; 90 days as AWS (and KS3) keep them [ANALOG].
  retentionMs: 90 * DAY,
  // Unspecified for OSS (the real service accepted a change on a just-created job [GO-IT]); a
  // priority change on a finished job is harmless, so it is accepted.
  priorityChangeableWhenFinished: true,
  jobId: ossJobId,
  // Pausing: "the system is pausing the job"; Paused: OSS "resumes it automatically" (zh) [U-DJ];
  // cancel allowed from Active, Pausing and Paused [S-UJS]. What pauses a job is not said; the
  // other two providers' reason (a higher priority) is taken, with their unspecified delay [ANALOG].
  preemptAfterMs: 5_000,
  // RestoreObject's limits by storage class, object by object [S-CJ] (restore-limits.ts).
  objectRules: { restore: ossRestoreRule },
});
