/**
 * A complete S3 Batch Operations job through the AWS SDK for JavaScript v3, against batchplane:
 * CreateJob → Suspended (awaiting confirmation) → confirm → Complete → the completion report,
 * read back from the object store. batchplane runs in-process on a free port, with an in-memory
 * object store holding the manifest and the photos the job tags. The SDK code is what you would
 * write for AWS; only the client's endpoint differs.
 *
 * The engine here runs jobs when told (`runUntilIdle`), which makes a test deterministic; with
 * `batchplane serve` (or `serve()` without `runJobs: false`) jobs run on their own.
 *
 * Run: `npx tsx examples/s3-control-sdk.ts`
 */
import { CreateJobCommand, DescribeJobCommand, S3ControlClient, UpdateJobStatusCommand } from "@aws-sdk/client-s3-control";
import { localEndpointConfig } from "../dialects/s3-control/index.js";
import { bodyToBytes, Engine, JobService, MemoryJobStore, MemoryObjectStore } from "../src/index.js";
import { serve } from "../src/server/serve.js";

// Off: the AWS SDK's notice that its 2027 releases need Node 22 (its documented switch, aws/aws-sdk-js-v3#7983).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export async function main(log: (line: string) => void = console.log) {
  // batchplane: an object store with a manifest and three photos, jobs, an engine, the API.
  const objects = new MemoryObjectStore();
  for (const bucket of ["photos", "manifests", "reports"]) await objects.createBucket(bucket);
  for (const key of ["2024/cat.jpg", "2024/dog.jpg", "2024/owl.jpg"]) await objects.put({ bucket: "photos", key, body: key });
  const manifest = await objects.put({ bucket: "manifests", key: "photos.csv", body: "photos,2024/cat.jpg\nphotos,2024/dog.jpg\nphotos,2024/owl.jpg\n" });
  const jobs = new JobService({ store: new MemoryJobStore() });
  const engine = new Engine({ jobs, objects });
  const server = await serve({ port: 0, jobs, objects, runJobs: false });

  try {
    // Your code, as written for AWS, with the client pointed at batchplane.
    const s3control = new S3ControlClient(localEndpointConfig(server.url));
    const AccountId = "123456789012";

    const { JobId } = await s3control.send(
      new CreateJobCommand({
        AccountId,
        ClientRequestToken: "tag-photos-2024",
        Priority: 10,
        RoleArn: `arn:aws:iam::${AccountId}:role/batch-operations`,
        Operation: { S3PutObjectTagging: { TagSet: [{ Key: "reviewed", Value: "yes" }] } },
        Manifest: {
          Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
          Location: { ObjectArn: "arn:aws:s3:::manifests/photos.csv", ETag: manifest.etag },
        },
        Report: { Enabled: true, Bucket: "arn:aws:s3:::reports", Prefix: "batch", Format: "Report_CSV_20180820", ReportScope: "AllTasks" },
      }),
    );
    log(`created ${JobId}`);

    await engine.runUntilIdle();
    // Without ConfirmationRequired: false the job waits in Suspended, as on AWS.
    let { Job } = await s3control.send(new DescribeJobCommand({ AccountId, JobId }));
    log(`${Job!.Status}: ${Job!.ProgressSummary!.TotalNumberOfTasks} tasks await confirmation`);

    await s3control.send(new UpdateJobStatusCommand({ AccountId, JobId, RequestedJobStatus: "Ready", StatusUpdateReason: "checked" }));
    await engine.runUntilIdle();
    ({ Job } = await s3control.send(new DescribeJobCommand({ AccountId, JobId })));
    log(`${Job!.Status}: ${Job!.ProgressSummary!.NumberOfTasksSucceeded} succeeded, ${Job!.ProgressSummary!.NumberOfTasksFailed} failed`);
    s3control.destroy();

    // The completion report, where S3 writes it: <prefix>/job-<id>/manifest.json and results/*.csv.
    const read = async (bucket: string, key: string) => new TextDecoder().decode(await bodyToBytes((await objects.get({ bucket, key })).body));
    const report = JSON.parse(await read("reports", `batch/job-${JobId}/manifest.json`)) as { Results: { Bucket: string; Key: string }[] };
    const rows: string[] = [];
    for (const result of report.Results) rows.push(...(await read(result.Bucket, result.Key)).trim().split("\n"));
    for (const row of rows.sort()) log(`report: ${row}`);
    return { jobId: JobId!, status: Job!.Status!, rows };
  } finally {
    await server.close();
  }
}

// Run when executed directly; a test imports `main` instead.
if (import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
