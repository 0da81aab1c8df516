import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectTaggingCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateJobCommand, DescribeJobCommand, ListJobsCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../dialects/s3-control/index.js";
import { ACCOUNT, tagJobInput } from "../dialects/s3-control/support.js";
import { runCli } from "../support/cli.js";
import { startMoto, type MotoServer } from "../support/moto.js";
import { until } from "../support/poll.js";
import { startPostgres, type PostgresCluster } from "../support/postgres.js";

let moto: MotoServer;
let cluster: PostgresCluster;
let scratch: string;
beforeAll(async () => {
  [moto, cluster] = await Promise.all([startMoto(), startPostgres()]);
  scratch = await mkdtemp(join(tmpdir(), "batchplane-serve-pg-"));
}, 120_000);
afterAll(async () => {
  await moto?.stop();
  await cluster?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };
const ENV = { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" };
const KEYS = ["a.jpg", "b.jpg", "c.jpg"];

describe("batchplane serve --postgres", () => {
  it("keeps jobs in PostgreSQL: a job run by one process is there for the next, and nothing is on disk", async () => {
    const s3 = new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true, credentials: CREDENTIALS });
    for (const bucket of ["photos", "manifests", "reports"]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const key of KEYS) await s3.send(new PutObjectCommand({ Bucket: "photos", Key: key, Body: key }));
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket: "manifests", Key: "m.csv", Body: KEYS.map((k) => `photos,${k}\n`).join("") }));
    const dir = await mkdtemp(join(scratch, "cwd-"));
    const args = ["serve", "--port", "0", "--postgres", cluster.url, "--s3-endpoint", moto.endpoint, "--s3-region", "us-east-1", "--s3-path-style"];

    const first = runCli(args, { cwd: dir, env: ENV });
    let JobId: string | undefined;
    try {
      const [, url] = await first.waitFor(/^batchplane listening on (\S+)\n/);
      const shown = cluster.url.replace("postgres@", "");
      expect((await first.waitFor(/^batchplane: (.*)$/m))[1]).toBe(
        `jobs in PostgreSQL at ${shown} (schema batchplane), objects in the S3-compatible store at ${moto.endpoint}`,
      );
      const control = new S3ControlClient({ ...localEndpointConfig(url!), maxAttempts: 1 });
      ({ JobId } = await control.send(
        new CreateJobCommand({
          ...tagJobInput(),
          ClientRequestToken: "in-postgres",
          Operation: { S3PutObjectTagging: { TagSet: [{ Key: "db", Value: "pg" }] } },
          Manifest: {
            Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
            Location: { ObjectArn: "arn:aws:s3:::manifests/m.csv", ETag: ETag!.replace(/"/g, "") },
          },
          Report: { Bucket: "arn:aws:s3:::reports", Format: "Report_CSV_20180820", Enabled: true, Prefix: "batch", ReportScope: "AllTasks" },
        }),
      ));
      const job = await until("the job to finish", async () => {
        const { Job } = await control.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId }));
        return ["Complete", "Failed", "Cancelled"].includes(Job!.Status!) ? Job! : undefined;
      });
      control.destroy();
      expect([job.Status, job.ProgressSummary?.NumberOfTasksSucceeded]).toEqual(["Complete", 3]);
      for (const key of KEYS) expect((await s3.send(new GetObjectTaggingCommand({ Bucket: "photos", Key: key }))).TagSet).toEqual([{ Key: "db", Value: "pg" }]);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    // The row is in PostgreSQL; the working directory holds nothing.
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    expect((await client.query("SELECT status FROM batchplane.jobs WHERE id = $1", [JobId])).rows).toEqual([{ status: "Complete" }]);
    await client.end();
    expect(await readdir(dir)).toEqual([]);

    const second = runCli(args, { cwd: dir, env: ENV });
    try {
      const [, url] = await second.waitFor(/^batchplane listening on (\S+)\n/);
      const control = new S3ControlClient({ ...localEndpointConfig(url!), maxAttempts: 1 });
      const { Jobs } = await control.send(new ListJobsCommand({ AccountId: ACCOUNT }));
      expect(Jobs!.map((j) => [j.JobId, j.Status])).toEqual([[JobId, "Complete"]]);
      control.destroy();
    } finally {
      s3.destroy();
      expect(await second.stop()).toBe(0);
    }
  }, 120_000);

  it("refuses --postgres with --memory, and a URL that is not postgres://", async () => {
    const dir = await mkdtemp(join(scratch, "usage-"));
    for (const [args, message] of [
      [["--postgres", cluster.url, "--memory"], "--memory cannot be combined with --postgres"],
      [["--postgres", "mysql://x"], '--postgres must be a postgres:// URL, got "mysql://x"'],
    ] as const) {
      const cli = runCli(["serve", "--port", "0", ...args], { cwd: dir });
      expect((await cli.exited).code).toBe(2);
      expect(cli.output().stderr).toContain(message);
    }
  }, 60_000);
});
