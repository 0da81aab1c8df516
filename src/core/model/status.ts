/** The 13 job statuses every provider reports, in lifecycle order. */
export const JOB_STATUSES = [
  "New",
  "Preparing",
  "Suspended",
  "Ready",
  "Active",
  "Pausing",
  "Paused",
  "Completing",
  "Complete",
  "Cancelling",
  "Cancelled",
  "Failing",
  "Failed",
] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];

/** Statuses a job never leaves; terminationDate is set on entering them. */
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(["Complete", "Cancelled", "Failed"]);

/** Statuses from which a job is already on its way to a terminal status. */
export const FINISHING_STATUSES: ReadonlySet<JobStatus> = new Set(["Completing", "Cancelling", "Failing"]);

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export function isJobStatus(value: string): value is JobStatus {
  return (JOB_STATUSES as readonly string[]).includes(value);
}

/** The statuses a user may request through UpdateJobStatus. */
export const REQUESTABLE_STATUSES = ["Ready", "Cancelled"] as const;
export type RequestedStatus = (typeof REQUESTABLE_STATUSES)[number];
