import { z } from "zod";
import { epochMs, priority, tagSchema, tenantSchema } from "./common.js";
import { generatedManifestSchema, manifestGeneratorSchema, manifestSchema } from "./manifest.js";
import { operationSchema } from "./operation.js";
import { reportSchema } from "./report.js";
import { JOB_STATUSES } from "./status.js";

export const MAX_JOB_TAGS = 50;

/** What a user asks for when creating a job, after the dialect has decoded the wire. */
export const createJobInputSchema = z
  .object({
    clientRequestToken: z.string().min(1).max(64),
    priority,
    confirmationRequired: z.boolean(),
    role: z.string().min(1),
    description: z.string().max(256).optional(),
    operation: operationSchema,
    manifest: manifestSchema.optional(),
    generator: manifestGeneratorSchema.optional(),
    report: reportSchema,
    tags: z.array(tagSchema).optional(),
    dialectData: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((j) => (j.manifest === undefined) !== (j.generator === undefined), {
    message: "give either a manifest or a manifest generator, not both and not neither",
    path: ["manifest"],
  });
export type CreateJobInput = z.infer<typeof createJobInputSchema>;

export const failureReasonSchema = z.object({ code: z.string().min(1), reason: z.string() });
export type FailureReason = z.infer<typeof failureReasonSchema>;

/**
 * Task counters: null while unknown (before the manifest is counted). Active time is kept as
 * accumulated milliseconds plus the instant the current Active period began, so that it can be
 * read at any moment without a writer ticking it.
 */
export const progressSchema = z.object({
  total: z.number().int().nonnegative().nullable(),
  succeeded: z.number().int().nonnegative().nullable(),
  failed: z.number().int().nonnegative().nullable(),
  activeMs: z.number().int().nonnegative(),
  activeSince: epochMs.nullable(),
});
export type Progress = z.infer<typeof progressSchema>;

export const jobSchema = z.object({
  id: z.string().min(1),
  tenant: tenantSchema,
  status: z.enum(JOB_STATUSES),
  priority,
  description: z.string().optional(),
  confirmationRequired: z.boolean(),
  clientRequestToken: z.string(),
  /** Digest of the create request without its token: the idempotency check compares it. */
  requestDigest: z.string(),
  role: z.string(),
  operation: operationSchema,
  manifest: manifestSchema.optional(),
  generator: manifestGeneratorSchema.optional(),
  generatedManifest: generatedManifestSchema.optional(),
  report: reportSchema,
  progress: progressSchema,
  failureReasons: z.array(failureReasonSchema),
  statusUpdateReason: z.string().optional(),
  suspendedCause: z.string().optional(),
  suspendedDate: epochMs.optional(),
  creationTime: epochMs,
  terminationDate: epochMs.optional(),
  tags: z.array(tagSchema),
  /**
   * Details of the request as it arrived that only its dialect understands (the exact ARN
   * strings, a provider's spelling of a value), kept so that DescribeJob echoes the request as
   * submitted. The core stores it and never reads it.
   */
  dialectData: z.record(z.string(), z.unknown()).optional(),
  /** Engine-owned state that must survive a restart (manifest position, report parts, ...). */
  checkpoint: z.record(z.string(), z.unknown()).optional(),
  /** Incremented by every write; JobStore.replace compares it (optimistic concurrency). */
  version: z.number().int().nonnegative(),
});
export type Job = z.infer<typeof jobSchema>;

export function elapsedActiveSeconds(progress: Progress, now: number): number {
  const running = progress.activeSince === null ? 0 : Math.max(0, now - progress.activeSince);
  return Math.floor((progress.activeMs + running) / 1000);
}
