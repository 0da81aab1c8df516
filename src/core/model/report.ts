import { z } from "zod";

export const REPORT_SCOPES = ["AllTasks", "FailedTasksOnly"] as const;
export type ReportScope = (typeof REPORT_SCOPES)[number];

export const reportSchema = z
  .object({
    enabled: z.boolean(),
    bucket: z.string().min(1).optional(),
    prefix: z.string().optional(),
    /** The provider's label for the report format, echoed back; the content is always CSV. */
    format: z.string().optional(),
    scope: z.enum(REPORT_SCOPES).optional(),
    expectedBucketOwner: z.string().optional(),
  })
  .refine((r) => !r.enabled || r.bucket !== undefined, {
    message: "a report that is enabled needs a bucket",
    path: ["bucket"],
  });
export type ReportConfig = z.infer<typeof reportSchema>;
