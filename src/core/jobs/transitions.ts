import { FINISHING_STATUSES, JOB_STATUSES, TERMINAL_STATUSES, type JobStatus, type RequestedStatus } from "../model/status.js";

/**
 * Every status change a job can make, as data. The engine moves jobs through the `engine` rows;
 * users through the `user` rows, of which a dialect's LifecyclePolicy enables a subset. Nothing
 * outside this table ever happens (a property test checks it).
 */
export type EngineEvent =
  | "prepare" // start reading the manifest
  | "prepared" // manifest counted; no confirmation needed
  | "awaitConfirmation" // manifest counted; wait for the user
  | "start" // first task dispatched
  | "pause" // pre-empted by a higher-priority job
  | "paused"
  | "resume"
  | "finish" // every task ran; write the report
  | "complete"
  | "fail" // manifest unreadable, report unwritable, failure threshold crossed
  | "failed"
  | "expire" // left Suspended too long
  | "cancelled"; // in-flight tasks finished after a cancel

export type Transition =
  | { from: JobStatus; to: JobStatus; by: "engine"; event: EngineEvent }
  | { from: JobStatus; to: JobStatus; by: "user"; request: RequestedStatus };

const engine = (from: JobStatus[], event: EngineEvent, to: JobStatus): Transition[] =>
  from.map((f) => ({ from: f, to, by: "engine", event }));
const user = (from: JobStatus[], request: RequestedStatus, to: JobStatus): Transition[] =>
  from.map((f) => ({ from: f, to, by: "user", request }));

/** Statuses from which a job may still be cancelled: all but the finished and finishing ones. */
export const CANCELLABLE: readonly JobStatus[] = JOB_STATUSES.filter(
  (s) => !TERMINAL_STATUSES.has(s) && !FINISHING_STATUSES.has(s),
);

export const TRANSITIONS: readonly Transition[] = [
  ...engine(["New"], "prepare", "Preparing"),
  ...engine(["Preparing"], "prepared", "Ready"),
  ...engine(["Preparing"], "awaitConfirmation", "Suspended"),
  ...engine(["Ready"], "start", "Active"),
  ...engine(["Active"], "pause", "Pausing"),
  ...engine(["Pausing"], "paused", "Paused"),
  ...engine(["Paused"], "resume", "Active"),
  ...engine(["Active"], "finish", "Completing"),
  ...engine(["Completing"], "complete", "Complete"),
  ...engine(["New", "Preparing", "Ready", "Active", "Pausing", "Paused", "Completing"], "fail", "Failing"),
  ...engine(["Failing"], "failed", "Failed"),
  ...engine(["Suspended"], "expire", "Failed"),
  ...engine(["Cancelling"], "cancelled", "Cancelled"),
  // Confirmation. Every provider allows it from Suspended; some also from Preparing (policy).
  ...user(["Suspended", "Preparing"], "Ready", "Ready"),
  // Cancellation: at once where nothing runs yet, or through Cancelling (policy picks which).
  ...user(["New", "Preparing", "Suspended", "Ready"], "Cancelled", "Cancelled"),
  ...user([...CANCELLABLE], "Cancelled", "Cancelling"),
];

export function engineTarget(from: JobStatus, event: EngineEvent): JobStatus | undefined {
  return TRANSITIONS.find((t) => t.by === "engine" && t.from === from && t.event === event)?.to;
}

export function userTargets(from: JobStatus, request: RequestedStatus): JobStatus[] {
  return TRANSITIONS.filter((t) => t.by === "user" && t.from === from && t.request === request).map((t) => t.to);
}

export function isInTable(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS.some((t) => t.from === from && t.to === to);
}
