import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { S3ControlClient, UpdateJobStatusCommand } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine, JobService, localEndpointConfig, MemoryJobStore, MemoryObjectStore, serve, type RunningServer } from "../../../../src/index.js";
import { readReport } from "../../../../src/testing/index.js";

/**
 * The S3 Control dialect through boto3, the other official SDK: botocore sends its own bytes (no
 * Content-Type, no XML declaration, kwargs order, `<x />`) and parses errors its own way. boto3
 * comes with moto, which CI provides; without python3 and boto3 this test fails, never skips.
 */
const run = promisify(execFile);
let server: RunningServer;
let objects: MemoryObjectStore;
let engine: Engine;
let etag: string;

beforeAll(async () => {
  objects = new MemoryObjectStore({ buckets: ["photos", "manifests", "reports"] });
  for (const key of ["a.jpg", "b.jpg"]) await objects.put({ bucket: "photos", key, body: key });
  ({ etag } = await objects.put({ bucket: "manifests", key: "photos.csv", body: "photos,a.jpg\nphotos,b.jpg\n" }));
  const jobs = new JobService({ store: new MemoryJobStore() });
  engine = new Engine({ jobs, objects });
  server = await serve({ port: 0, jobs, objects, runJobs: false, log: () => undefined });
});
afterAll(() => server.close());

describe("S3 Control through boto3", () => {
  it("creates, describes, lists, tags, reprioritises, and gets botocore's typed errors", async () => {
    const { stdout } = await run("python3", [join(__dirname, "client.py"), server.url, etag], { timeout: 60_000 }).catch((e) => {
      throw new Error(`python3 with boto3 is needed (it ships with moto): ${e.stderr || e.message}`);
    });
    const out = JSON.parse(stdout);
    expect(out.describe).toEqual({
      status: "New",
      confirmationRequired: true,
      arn: `arn:aws:s3:eu-west-1:123456789012:job/${out.jobId}`,
      creationTimeIsDatetime: true,
      manifestArn: "arn:aws:s3:::manifests/photos.csv",
      tags: [
        { Key: "reviewed", Value: "yes" },
        { Key: "empty", Value: "" },
      ],
    });
    expect(out.sameTokenSameJob).toBe(true);
    expect(out.sameTokenOtherRequest).toEqual(["IdempotencyException", "IdempotencyException", 400]);
    expect(out.listed).toHaveLength(1);
    expect(out.tags).toEqual([{ Key: "team", Value: "data" }]);
    expect(out.priority).toBe(2147483647);
    expect(out.errors).toEqual({
      unknownJob: ["NotFoundException", "NotFoundException", 404],
      priorityTooHigh: ["BadRequestException", "BadRequestException", 400],
      badStatus: ["BadRequestException", "BadRequestException", 400],
      tooManyTags: ["TooManyTagsException", "TooManyTagsException", 400],
      badToken: ["InvalidNextTokenException", "InvalidNextTokenException", 400],
    });

    // The job boto3 created runs once confirmed (from the JS SDK: both clients see the same jobs).
    const js = new S3ControlClient({ ...localEndpointConfig(server.url), region: "eu-west-1" });
    await engine.runUntilIdle();
    await js.send(new UpdateJobStatusCommand({ AccountId: "123456789012", JobId: out.jobId, RequestedJobStatus: "Ready" }));
    await engine.runUntilIdle();
    expect(await objects.getTagging({ bucket: "photos", key: "b.jpg" })).toEqual([
      { key: "reviewed", value: "yes" },
      { key: "empty", value: "" },
    ]);
    const report = await readReport(objects, { id: out.jobId, report: { enabled: true, bucket: "reports", prefix: "boto" } });
    expect(report?.rows.map((r) => `${r.key} ${r.status} ${r.httpStatus}`)).toEqual(["a.jpg succeeded 200", "b.jpg succeeded 200"]);
    js.destroy();
  });
});
