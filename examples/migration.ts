/**
 * A team's own migration code, the kind examples/migration.test.ts tests with batchplane/testing:
 * archive invoices with an S3 Batch Operations copy job, through the AWS SDK, exactly as it runs
 * against AWS. Nothing here knows about batchplane; the test gives the client batchplane's
 * in-process request handler instead of the network.
 */
import { CreateJobCommand, DescribeJobCommand, type S3ControlClient } from "@aws-sdk/client-s3-control";

export interface ArchivePlan {
  accountId: string;
  /** The manifest (`bucket,key` lines) listing the invoices, and its ETag. */
  manifest: { bucket: string; key: string; etag?: string };
  archiveBucket: string;
  year: number;
  reportBucket: string;
}

/** Creates the copy job (no confirmation: it runs at once) and returns its id. */
export async function startArchiveJob(s3control: S3ControlClient, plan: ArchivePlan): Promise<string> {
  const { JobId } = await s3control.send(
    new CreateJobCommand({
      AccountId: plan.accountId,
      ClientRequestToken: `archive-${plan.year}`,
      Priority: 10,
      ConfirmationRequired: false,
      RoleArn: `arn:aws:iam::${plan.accountId}:role/archiver`,
      Description: `Archive ${plan.year} invoices`,
      Operation: { S3PutObjectCopy: { TargetResource: `arn:aws:s3:::${plan.archiveBucket}`, TargetKeyPrefix: `${plan.year}/`, StorageClass: "GLACIER" } },
      Manifest: {
        Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
        Location: { ObjectArn: `arn:aws:s3:::${plan.manifest.bucket}/${plan.manifest.key}`, ETag: plan.manifest.etag },
      },
      Report: { Enabled: true, Bucket: `arn:aws:s3:::${plan.reportBucket}`, Prefix: "archive-reports", Format: "Report_CSV_20180820", ReportScope: "FailedTasksOnly" },
    }),
  );
  return JobId!;
}

/** Where the job stands, as DescribeJob says. */
export async function archiveProgress(s3control: S3ControlClient, accountId: string, jobId: string) {
  const { Job } = await s3control.send(new DescribeJobCommand({ AccountId: accountId, JobId: jobId }));
  return { status: Job?.Status, succeeded: Job?.ProgressSummary?.NumberOfTasksSucceeded, failed: Job?.ProgressSummary?.NumberOfTasksFailed };
}
