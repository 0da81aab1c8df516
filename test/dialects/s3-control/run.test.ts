import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateJobCommand,
  DescribeJobCommand,
  ListJobsCommand,
  S3ControlClient,
  UpdateJobPriorityCommand,
  UpdateJobStatusCommand,
  type CreateJobCommandInput,
} from "@aws-sdk/client-s3-control";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { localEndpointConfig, s3ControlDialect } from "../../../dialects/s3-control/index.js";
import { Engine, JobService, MemoryJobStore, MemoryObjectStore } from "../../../src/index.js";
import { ManualClock } from "../../../src/core/clock.js";
import { SequentialIds } from "../../../src/core/ids.js";
import { bodyToBytes } from "../../../src/core/body.js";
import { createNodeHandler } from "../../../src/server/index.js";
import { ACCOUNT, ROLE } from "./support.js";

/**
 * Jobs run for real: the AWS SDK v3 creates, confirms and watches them; the engine runs them
 * (deterministically, `runUntilIdle`) against an in-memory object store; the completion report
 * is read back from that store.
 */

let clock: ManualClock;
let objects: MemoryObjectStore;
let jobs: JobService;
let engine: Engine;
let s3: S3ControlClient;
let close: () => Promise<void>;
let manifestEtag: string;

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 0, 0));
  objects = new MemoryObjectStore({ clock });
  for (const bucket of ["photos", "manifests", "reports"]) await objects.createBucket(bucket);
  for (const key of ["2024/cat.jpg", "2024/dog.jpg", "2024/owl & friends.jpg"]) await objects.put({ bucket: "photos", key, body: key });
  // Keys in a CSV manifest are URL-encoded; the last object does not exist.
  manifestEtag = (
    await objects.put({ bucket: "manifests", key: "photos.csv", body: "photos,2024/cat.jpg\nphotos,2024/dog.jpg\nphotos,2024/owl%20%26%20friends.jpg\nphotos,2024/missing.jpg\n" })
  ).etag;
  jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
  const server = createServer(createNodeHandler({ jobs, dialects: [s3ControlDialect()] }));
  engine = new Engine({ jobs, objects, clock });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  s3 = new S3ControlClient({ ...localEndpointConfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), maxAttempts: 1 });
  close = async () => {
    s3.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
});
afterEach(() => close());

function input(overrides: Partial<CreateJobCommandInput> = {}): CreateJobCommandInput {
  return {
    AccountId: ACCOUNT,
    ClientRequestToken: "tag-photos",
    Priority: 10,
    RoleArn: ROLE,
    Operation: { S3PutObjectTagging: { TagSet: [{ Key: "reviewed", Value: "yes" }] } },
    Manifest: {
      Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
      Location: { ObjectArn: "arn:aws:s3:::manifests/photos.csv", ETag: manifestEtag },
    },
    Report: { Enabled: true, Bucket: "arn:aws:s3:::reports", Prefix: "batch", Format: "Report_CSV_20180820", ReportScope: "AllTasks" },
    ...overrides,
  };
}

const describeJob = async (JobId: string) => (await s3.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId }))).Job!;
const text = async (bucket: string, key: string) => new TextDecoder().decode(await bodyToBytes((await objects.get({ bucket, key })).body));

describe("a job run to the end through the AWS SDK", () => {
  it("waits in Suspended, runs once confirmed, completes, and writes its report", async () => {
    const { JobId } = await s3.send(new CreateJobCommand(input()));
    await engine.runUntilIdle();
    const suspended = await describeJob(JobId!);
    expect(suspended).toMatchObject({
      Status: "Suspended",
      ConfirmationRequired: true,
      SuspendedDate: new Date(clock.now()),
      ProgressSummary: { TotalNumberOfTasks: 4, NumberOfTasksSucceeded: 0, NumberOfTasksFailed: 0 },
    });
    expect((await objects.getTagging({ bucket: "photos", key: "2024/cat.jpg" }))).toEqual([]);

    clock.advance(60_000);
    const confirmed = await s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId, RequestedJobStatus: "Ready", StatusUpdateReason: "checked" }));
    expect(confirmed).toMatchObject({ Status: "Ready", StatusUpdateReason: "checked" });
    await engine.runUntilIdle();

    const done = await describeJob(JobId!);
    expect(done).toMatchObject({
      Status: "Complete",
      ProgressSummary: { TotalNumberOfTasks: 4, NumberOfTasksSucceeded: 3, NumberOfTasksFailed: 1 },
      TerminationDate: new Date(clock.now()),
      FailureReasons: [],
      StatusUpdateReason: "checked",
    });
    const listed = (await s3.send(new ListJobsCommand({ AccountId: ACCOUNT, JobStatuses: ["Complete"] }))).Jobs!;
    expect(listed.map((j) => [j.JobId, j.Operation, j.Status])).toEqual([[JobId, "S3PutObjectTagging", "Complete"]]);

    for (const key of ["2024/cat.jpg", "2024/dog.jpg", "2024/owl & friends.jpg"]) {
      expect(await objects.getTagging({ bucket: "photos", key })).toEqual([{ key: "reviewed", value: "yes" }]);
    }

    // The report, where S3 writes it: <prefix>/job-<id>/manifest.json naming the results files.
    const manifest = JSON.parse(await text("reports", `batch/job-${JobId}/manifest.json`));
    expect(manifest).toMatchObject({ Format: "Report_CSV_20180820", ReportSchema: "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage" });
    const rows: string[] = [];
    for (const result of manifest.Results as { Bucket: string; Key: string; TaskExecutionStatus: string }[]) {
      expect(result.Bucket).toBe("reports");
      expect(result.Key).toMatch(new RegExp(`^batch/job-${JobId}/results/[0-9a-f]{40}\\.csv$`));
      rows.push(...(await text(result.Bucket, result.Key)).trim().split("\n"));
    }
    expect(rows.sort()).toEqual(
      [
        "photos,2024/cat.jpg,,succeeded,200,,Successful",
        "photos,2024/dog.jpg,,succeeded,200,,Successful",
        "photos,2024/owl%20%26%20friends.jpg,,succeeded,200,,Successful",
        "photos,2024/missing.jpg,,failed,404,NoSuchKey,The specified key does not exist: 2024/missing.jpg",
      ].sort(),
    );
  });

  it("runs at once with ConfirmationRequired false, and keeps the new priority", async () => {
    const { JobId } = await s3.send(new CreateJobCommand(input({ ConfirmationRequired: false, ClientRequestToken: "now" })));
    await s3.send(new UpdateJobPriorityCommand({ AccountId: ACCOUNT, JobId, Priority: 99 }));
    await engine.runUntilIdle();
    expect(await describeJob(JobId!)).toMatchObject({ Status: "Complete", Priority: 99, ProgressSummary: { NumberOfTasksSucceeded: 3 } });
  });

  it("fails a job whose manifest ETag does not match, and says why", async () => {
    const { JobId } = await s3.send(new CreateJobCommand(input({ ConfirmationRequired: false, ClientRequestToken: "stale", Manifest: { ...input().Manifest!, Location: { ObjectArn: "arn:aws:s3:::manifests/photos.csv", ETag: "0".repeat(32) } } })));
    await engine.runUntilIdle();
    const failed = await describeJob(JobId!);
    expect(failed.Status).toBe("Failed");
    expect(failed.FailureReasons).toHaveLength(1);
    expect(failed.FailureReasons![0]!.FailureReason).toMatch(/ETag/i);
    expect(failed.TerminationDate).toEqual(new Date(clock.now()));
  });

  it("cancels a suspended job at once", async () => {
    const { JobId } = await s3.send(new CreateJobCommand(input({ ClientRequestToken: "cancel-me" })));
    await engine.runUntilIdle();
    const res = await s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId, RequestedJobStatus: "Cancelled" }));
    expect(res.Status).toBe("Cancelled");
    await engine.runUntilIdle();
    expect(await describeJob(JobId!)).toMatchObject({ Status: "Cancelled", ProgressSummary: { NumberOfTasksSucceeded: 0 } });
    expect(await objects.getTagging({ bucket: "photos", key: "2024/cat.jpg" })).toEqual([]);
  });
});
