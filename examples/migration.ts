/**
 * A team's own migration code, the kind examples/migration.test.ts tests with batchplane/testing:
 * archive invoices with an S3-style batch copy job, then list the ones that need attention.
 * (In your project: `import { ... } from "batchplane"`.)
 */
import { encodeKey, type JobService, type ObjectStore, type Tenant } from "../src/index.js";
import { readReport } from "../src/testing/index.js";

export interface ArchivePlan {
  sourceBucket: string;
  invoices: string[];
  archiveBucket: string;
  year: number;
  reportBucket: string;
}

/** Writes the manifest, creates the copy job (no confirmation), returns its id. */
export async function startArchiveJob(jobs: JobService, tenant: Tenant, objects: ObjectStore, plan: ArchivePlan): Promise<string> {
  const manifestKey = `manifests/archive-${plan.year}.csv`;
  const body = plan.invoices.map((key) => `${plan.sourceBucket},${encodeKey(key)}\n`).join("");
  const { etag } = await objects.put({ bucket: plan.reportBucket, key: manifestKey, body });
  const { job } = await jobs.createJob(tenant, {
    clientRequestToken: `archive-${plan.year}`,
    priority: 10,
    confirmationRequired: false,
    role: "role/archiver",
    description: `Archive ${plan.year} invoices`,
    operation: { type: "copy", targetBucket: plan.archiveBucket, targetKeyPrefix: `${plan.year}/`, storageClass: "GLACIER" },
    manifest: { location: { bucket: plan.reportBucket, key: manifestKey, etag }, format: "csv", fields: ["bucket", "key"] },
    report: { enabled: true, bucket: plan.reportBucket, prefix: "archive-reports", scope: "FailedTasksOnly" },
  });
  return job.id;
}

/** The invoices the job could not archive, with the reason, read from its completion report. */
export async function invoicesNeedingAttention(jobs: JobService, tenant: Tenant, objects: ObjectStore, jobId: string) {
  const job = await jobs.describeJob(tenant, jobId);
  const report = await readReport(objects, job);
  return (report?.rows ?? []).map((row) => ({ invoice: row.key, code: row.errorCode, status: row.httpStatus }));
}
