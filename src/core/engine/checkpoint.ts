import { z } from "zod";
import type { Job } from "../model/job.js";
import type { WorkSummary } from "../ports.js";

/**
 * What the job record says of its run, in `job.checkpoint`: a summary of the work-lease store
 * (which holds the units, their progress and their report rows), written with the job's counters.
 * Records [0, position) of the manifest are finished, counted in succeeded/failed and their rows
 * recorded; `manifestEtag` pins the manifest object read when the job was prepared.
 */
export const checkpointSchema = z.object({
  position: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Units planned and done, once the job ran. */
  units: z.number().int().nonnegative().optional(),
  done: z.number().int().nonnegative().optional(),
  /** The manifest object's ETag when the job was prepared: the run reads that object or fails. */
  manifestEtag: z.string().optional(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export function freshCheckpoint(manifestEtag?: string): Checkpoint {
  const cp: Checkpoint = { position: 0, succeeded: 0, failed: 0 };
  if (manifestEtag !== undefined) cp.manifestEtag = manifestEtag;
  return cp;
}

/** The job's checkpoint, or a fresh one when it has none (or one this engine cannot read). */
export function checkpointOf(job: Job): Checkpoint {
  const parsed = checkpointSchema.safeParse(job.checkpoint);
  return parsed.success ? parsed.data : freshCheckpoint();
}

/** The checkpoint that says what `summary` says, keeping the pinned ETag. */
export function checkpointFrom(job: Job, summary: WorkSummary): Checkpoint {
  const cp: Checkpoint = { position: summary.position, succeeded: summary.succeeded, failed: summary.failed, units: summary.units, done: summary.done };
  const etag = checkpointOf(job).manifestEtag;
  if (etag !== undefined) cp.manifestEtag = etag;
  return cp;
}
