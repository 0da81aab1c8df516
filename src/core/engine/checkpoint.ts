import { z } from "zod";
import type { Job } from "../model/job.js";

/**
 * The engine's resumable state, kept in `job.checkpoint` and written with the job's counters in
 * one step. Records [0, position) of the manifest are finished and counted in succeeded/failed;
 * their report rows are in part objects 0..parts-1; none of the later records' rows are.
 */
export const checkpointSchema = z.object({
  position: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  parts: z.number().int().nonnegative(),
  /** Rows written to parts, per task status (what the results files will hold). */
  reported: z.object({ succeeded: z.number().int().nonnegative(), failed: z.number().int().nonnegative() }),
  /** The manifest object's ETag when the job was prepared: the run reads that object or fails. */
  manifestEtag: z.string().optional(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export function freshCheckpoint(manifestEtag?: string): Checkpoint {
  const cp: Checkpoint = { position: 0, succeeded: 0, failed: 0, parts: 0, reported: { succeeded: 0, failed: 0 } };
  if (manifestEtag !== undefined) cp.manifestEtag = manifestEtag;
  return cp;
}

/** The job's checkpoint, or a fresh one when it has none (or one this engine cannot read). */
export function checkpointOf(job: Job): Checkpoint {
  const parsed = checkpointSchema.safeParse(job.checkpoint);
  return parsed.success ? parsed.data : freshCheckpoint();
}

export function tasksRun(cp: Checkpoint): number {
  return cp.succeeded + cp.failed;
}
