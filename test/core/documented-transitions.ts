import type { JobStatus, RequestedStatus } from "../../src/index.js";

/**
 * The job status changes the providers document, copied by hand from shared/spec (not derived from
 * src/core/jobs/transitions.ts, which the test checks against this list). `via`: the source names
 * a direct change that the table makes through a finishing status the source does not describe.
 */
export interface Edge {
  from: JobStatus;
  to: JobStatus;
  by: "engine" | "user";
  request?: RequestedStatus;
  via?: JobStatus[];
  source: string;
}

const S3 = "s3-control.md §6.1";
const S3_USER = "s3-control.md §6.2";
const OSS = "alibaba-oss.md §9";
const COS = "tencent-cos.md §6.2";

export const DOCUMENTED: readonly Edge[] = [
  // The normal flow: all three providers.
  { from: "New", to: "Preparing", by: "engine", source: `${S3}, ${OSS}, ${COS}` },
  { from: "Preparing", to: "Ready", by: "engine", source: `${S3}, ${OSS}, ${COS}` },
  { from: "Preparing", to: "Suspended", by: "engine", source: `${S3} (confirmation required), ${COS}` },
  { from: "Ready", to: "Active", by: "engine", source: `${S3}, ${OSS}, ${COS}` },
  { from: "Active", to: "Completing", by: "engine", source: `${S3} "Completing/Complete", ${OSS}` },
  { from: "Completing", to: "Complete", by: "engine", source: `${S3}, ${OSS}` },
  { from: "Active", to: "Complete", by: "engine", via: ["Completing"], source: COS },
  { from: "Active", to: "Pausing", by: "engine", source: `${S3}, ${OSS}, ${COS}` },
  { from: "Pausing", to: "Paused", by: "engine", source: `${S3}, ${OSS}, ${COS}` },
  { from: "Paused", to: "Active", by: "engine", source: `${S3} "when blockers finish", ${OSS}, ${COS}` },
  // Failure.
  { from: "Active", to: "Failing", by: "engine", source: `${S3}, ${COS}` },
  { from: "Preparing", to: "Failing", by: "engine", source: `${S3} "manifest unusable"` },
  { from: "Failing", to: "Failed", by: "engine", source: `${S3}, ${OSS}, ${COS}` },
  { from: "Suspended", to: "Failed", by: "engine", source: `${S3} (30 days), ${OSS} (14 days)` },
  // Confirmation.
  { from: "Suspended", to: "Ready", by: "user", request: "Ready", source: `${S3_USER}, ${OSS}, ${COS}` },
  { from: "Preparing", to: "Ready", by: "user", request: "Ready", source: OSS },
  // Cancellation: at once where nothing runs yet (S3's recommendation), else through Cancelling.
  { from: "Suspended", to: "Cancelled", by: "user", request: "Cancelled", source: `${S3} "→ Cancelled on cancel", ${S3_USER}` },
  ...(["New", "Preparing", "Ready"] as const).map((from): Edge => ({ from, to: "Cancelled", by: "user", request: "Cancelled", source: `${S3_USER} recommendation` })),
  { from: "Active", to: "Cancelling", by: "user", request: "Cancelled", source: `${S3_USER}, ${COS}` },
  ...(["New", "Preparing", "Ready", "Suspended", "Active", "Pausing", "Paused"] as const).map(
    (from): Edge => ({ from, to: "Cancelling", by: "user", request: "Cancelled", source: `${OSS} (every status but the finished and finishing)` }),
  ),
  { from: "Cancelling", to: "Cancelled", by: "engine", source: `${S3}, ${OSS}, ${COS}` },
];

/** Rows no source states edge by edge, with the reading that puts them in the table. */
export const INFERRED: readonly Edge[] = (["New", "Ready", "Pausing", "Paused", "Completing"] as const).map((from) => ({
  from,
  to: "Failing",
  by: "engine",
  source: `${OSS} "* → Failing → Failed" (inferred there): a job that cannot go on fails from wherever it is`,
}));
