import type { Job, FailureReason } from "../model/job.js";
import { isObjectStoreError, type ObjectStore } from "../ports.js";
import { FAILURES } from "./failures.js";

/** Answers that mean the report can never be written there; anything else is left to the end of the job. */
const UNWRITABLE = new Set(["NoSuchBucket", "AccessDenied", "AllAccessDisabled", "InvalidBucketName"]);

/**
 * Checked while the job is Preparing: a report bucket that does not exist (or refuses us) fails
 * the job before any task runs, rather than after every object was changed. A listing of at most
 * one key under the report prefix is the cheapest call every store answers for a bucket; it
 * writes nothing.
 */
export async function checkReportDestination(job: Job, objects: ObjectStore): Promise<FailureReason | undefined> {
  const { enabled, bucket, prefix } = job.report;
  if (!enabled || bucket === undefined) return undefined;
  try {
    await objects.list({ bucket, prefix: prefix ?? "", maxKeys: 1 });
    return undefined;
  } catch (e) {
    if (!isObjectStoreError(e) || !UNWRITABLE.has(e.code)) return undefined;
    return FAILURES.report(`bucket "${bucket}" answered ${e.code}; checked before any task ran, none did`);
  }
}
