import type { Progress } from "../model/job.js";

/**
 * ElapsedTimeInActiveSeconds counts only the time a job was running in an engine. Progress keeps
 * accumulated `activeMs` plus the start of the current period (`activeSince`); a process that dies
 * leaves `activeSince` in the past, and the time it was down would be counted on resume. So:
 * - every write of a running job folds the period so far into `activeMs` (at most one progress
 *   interval is lost when the process dies), and
 * - an engine that takes over a job left Active restarts the period at the moment it resumes.
 */
export function foldActiveTime(progress: Progress, now: number): void {
  if (progress.activeSince === null) return;
  progress.activeMs += Math.max(0, now - progress.activeSince);
  progress.activeSince = Math.max(progress.activeSince, now);
}

/** A job found Active by an engine that did not run it: the time since its last write is not counted. */
export function restartActiveTime(progress: Progress, now: number): void {
  if (progress.activeSince !== null) progress.activeSince = now;
}
