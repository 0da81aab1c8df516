import type { Job } from "../model/job.js";
import { isTerminal, type JobStatus } from "../model/status.js";

/**
 * Moves a job (a draft copy) to `to` at `now` and keeps what depends on the status in step:
 * the active-time timer, suspendedDate, terminationDate. The one place these rules live.
 */
export function enterStatus(job: Job, to: JobStatus, now: number): void {
  const from = job.status;
  if (from === "Active" && to !== "Active" && job.progress.activeSince !== null) {
    job.progress.activeMs += Math.max(0, now - job.progress.activeSince);
    job.progress.activeSince = null;
  }
  if (to === "Active" && from !== "Active") job.progress.activeSince = now;
  if (to === "Suspended") job.suspendedDate = now;
  if (isTerminal(to)) job.terminationDate = now;
  job.status = to;
}
