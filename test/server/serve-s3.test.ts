import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateJobCommand, DescribeJobCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../dialects/s3-control/index.js";
import { ACCOUNT, tagJobInput } from "../dialects/s3-control/support.js";
import { runCli } from "../support/cli.js";
import { startMoto, type MotoServer } from "../support/moto.js";
import { until } from "../support/poll.js";

let moto: MotoServer;
let scratch: string;
let dir: string;
beforeAll(async () => {
  moto = await startMoto();
  scratch = await mkdtemp(join(tmpdir(), "batchplane-serve-s3-"));
}, 40_000);
afterAll(async () => {
  await moto?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});
beforeEach(async () => {
  // Each test: an empty moto and a fresh data directory.
  const reset = await fetch(`${moto.endpoint}/moto-api/reset`, { method: "POST" });
  expect(reset.status).toBe(200);
  dir = await mkdtemp(join(scratch, "data-"));
});

const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };
const KEYS = ["2026/01/a.jpg", "2026/01/b b.jpg", "2026/02/c.jpg"];

describe("batchplane serve --s3-endpoint (objects in moto, jobs on disk)", () => {
  it("runs a tagging job over the S3-compatible store: the tags and the report are read back with the AWS SDK's S3 client", async () => {
    const s3 = new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true, credentials: CREDENTIALS });
    for (const bucket of ["photos", "manifests", "reports"]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const key of KEYS) await s3.send(new PutObjectCommand({ Bucket: "photos", Key: key, Body: `bytes of ${key}` }));
    const manifest = KEYS.map((k) => `photos,${encodeURIComponent(k)}\n`).join("");
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: "manifests", Key: "photos.csv", Body: manifest }));

    // Credentials from the standard AWS environment, as a user would give them.
    const cli = runCli(["serve", "--port", "0", "--data-dir", dir, "--s3-endpoint", moto.endpoint, "--s3-region", "us-east-1", "--s3-path-style"], {
      cwd: dir,
      env: { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
    });
    try {
      const [, url] = await cli.waitFor(/^batchplane listening on (\S+)\n/);
      expect((await cli.waitFor(/^batchplane: (.*)$/m))[1]).toBe(`jobs in ${dir}, objects in the S3-compatible store at ${moto.endpoint}`);
      const control = new S3ControlClient({ ...localEndpointConfig(url!), maxAttempts: 1 });
      const { JobId } = await control.send(
        new CreateJobCommand({
          ...tagJobInput(),
          ClientRequestToken: "over-moto",
          Operation: { S3PutObjectTagging: { TagSet: [{ Key: "album", Value: "2026" }] } },
          Manifest: {
            Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
            Location: { ObjectArn: "arn:aws:s3:::manifests/photos.csv", ETag: ETag!.replace(/"/g, "") },
          },
          Report: { Bucket: "arn:aws:s3:::reports", Format: "Report_CSV_20180820", Enabled: true, Prefix: "batch", ReportScope: "AllTasks" },
        }),
      );
      const job = await until("the job to finish", async () => {
        const { Job } = await control.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId }));
        return ["Complete", "Failed", "Cancelled"].includes(Job!.Status!) ? Job! : undefined;
      });
      control.destroy();
      expect([job.Status, job.FailureReasons]).toEqual(["Complete", []]);
      expect(job.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 3, NumberOfTasksSucceeded: 3, NumberOfTasksFailed: 0 });

      for (const key of KEYS) {
        const { TagSet } = await s3.send(new GetObjectTaggingCommand({ Bucket: "photos", Key: key }));
        expect(TagSet).toEqual([{ Key: "album", Value: "2026" }]);
      }

      // The report, in moto: manifest.json and one results file, nothing else (its parts removed).
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: "reports", Prefix: `batch/job-${JobId}/` }));
      const keys = listed.Contents!.map((o) => o.Key!).sort();
      expect(keys).toEqual([`batch/job-${JobId}/manifest.json`, expect.stringMatching(new RegExp(`^batch/job-${JobId}/results/[0-9a-f]{40}\\.csv$`))]);
      const read = async (Key: string) => (await s3.send(new GetObjectCommand({ Bucket: "reports", Key }))).Body!.transformToString();
      const reportManifest = JSON.parse(await read(keys[0]!)) as { Results: { TaskExecutionStatus: string; Bucket: string; Key: string; MD5Checksum: string }[] };
      expect(reportManifest.Results).toEqual([{ TaskExecutionStatus: "succeeded", Bucket: "reports", Key: keys[1], MD5Checksum: expect.any(String) }]);
      const results = await read(keys[1]!);
      expect(createHash("md5").update(results).digest("hex")).toBe(reportManifest.Results[0]!.MD5Checksum);
      expect(results).toBe(KEYS.map((k) => `photos,${encodeURIComponent(k)},,succeeded,200,,Successful\n`).join(""));

      // Job state in the data directory; no object there.
      expect(await readdir(dir)).toEqual([".batchplane"]);
      expect(await readdir(join(dir, ".batchplane", "jobs", "by-id"))).toEqual([JobId]);
    } finally {
      s3.destroy();
      expect(await cli.stop()).toBe(0);
    }
  });

  it("runs the README's walk-through over moto, step for step, with boto3 (the AWS CLI's SDK) through batchplane as an HTTP proxy", async () => {
    const cli = runCli(["serve", "--port", "0", "--data-dir", dir, "--s3-endpoint", moto.endpoint, "--s3-path-style"], {
      cwd: dir,
      env: { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" },
    });
    try {
      const [, url] = await cli.waitFor(/^batchplane listening on (\S+)\n/);
      const out = JSON.parse(await python(WALKTHROUGH, [moto.endpoint, url!])) as Record<string, unknown> & { jobId: string; reportKeys: string[] };
      const base = `batch/job-${out.jobId}`;
      expect(out).toEqual({
        jobId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        status: "Complete",
        progress: { TotalNumberOfTasks: 2, NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 0 },
        tags: { "cat.jpg": [{ Key: "pet", Value: "yes" }], "dog.jpg": [{ Key: "pet", Value: "yes" }] },
        reportKeys: [`${base}/manifest.json`, expect.stringMatching(new RegExp(`^${base}/results/[0-9a-f]{40}\\.csv$`))],
        manifest: expect.objectContaining({ Format: "Report_CSV_20180820", Results: [expect.objectContaining({ TaskExecutionStatus: "succeeded", Key: out.reportKeys[1] })] }),
        results: ["photos,cat.jpg,,succeeded,200,,Successful\nphotos,dog.jpg,,succeeded,200,,Successful\n"],
        listed: [[out.jobId, "Complete"]],
      });
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });
});

const WALKTHROUGH = resolve(__dirname, "fixtures/readme_moto_walkthrough.py");

/** Runs a Python script; fails (never skips) when python3 or boto3 (installed with moto) is missing. */
function python(script: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile("python3", [script, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) fail(new Error(`python3 ${script} failed (it needs python3 with boto3, which moto installs: pip install 'moto[server]'): ${error.message}\n${stderr}`));
      else done(stdout);
    });
  });
}
