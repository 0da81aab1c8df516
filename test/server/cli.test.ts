import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateJobCommand, ListJobsCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dialect } from "../../dialects/dialect.js";
import { localEndpointConfig } from "../../dialects/s3-control/index.js";
import { DEFAULT_POLICY } from "../../src/core/jobs/policy.js";
import { defaultDialects } from "../../src/server/default-dialects.js";
import { formatAccessLog, serve } from "../../src/server/serve.js";
import { tagJobInput } from "../dialects/s3-control/support.js";
import { runCli as run } from "../support/cli.js";

/** Every CLI here runs in a scratch directory: whatever a default writes stays out of the repository. */
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "batchplane-cli-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
const runCli = (args: string[], cwd = scratch) => run(args, { cwd });

describe("batchplane serve (the CLI)", () => {
  it("listens, answers the AWS SDK, logs one line a request, and exits cleanly on SIGTERM", async () => {
    const cli = runCli(["serve", "--port", "0", "--host", "127.0.0.1", "--memory"]);
    try {
      const [, url] = await cli.waitFor(/^batchplane listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
      await cli.waitFor(/^batchplane: jobs and objects in memory \(nothing on disk; lost on exit\)$/m);
      const s3 = new S3ControlClient({ ...localEndpointConfig(url!), maxAttempts: 1 });
      const { JobId } = await s3.send(new CreateJobCommand({ ...tagJobInput(), ClientRequestToken: "cli" }));
      const listed = await s3.send(new ListJobsCommand({ AccountId: "123456789012" }));
      expect(listed.Jobs!.map((j) => j.JobId)).toEqual([JobId]);
      s3.destroy();
      await cli.waitFor(/GET \/v20180820\/jobs 200 \d+ms s3-control request=\S+\n/);
      // The access-log line names the request id and the job it created.
      expect(cli.output().stdout).toMatch(new RegExp(`^\\S+Z POST /v20180820/jobs 200 \\d+ms s3-control request=\\S+ job=${JobId}$`, "m"));
    } finally {
      cli.child.kill("SIGTERM");
    }
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.output().stdout).toContain("SIGTERM, shutting down");
  });

  it("keeps jobs and objects in ./.batchplane-data by default, created on first run, and finds them there after a restart", async () => {
    const cwd = await mkdtemp(join(scratch, "default-"));
    const dir = join(cwd, ".batchplane-data");
    let JobId: string | undefined;
    // The second round names the same directory with --data-dir, from elsewhere.
    for (const args of [[], ["--data-dir", dir]]) {
      const cli = runCli(["serve", "--port", "0", ...args], args.length === 0 ? cwd : scratch);
      try {
        const [, url] = await cli.waitFor(/^batchplane listening on (\S+)\n/);
        expect((await cli.waitFor(/^batchplane: (.*)$/m))[1]).toBe(`jobs and objects in ${dir}`);
        expect((await stat(dir)).isDirectory()).toBe(true);
        const s3 = new S3ControlClient({ ...localEndpointConfig(url!), maxAttempts: 1 });
        JobId ??= (await s3.send(new CreateJobCommand({ ...tagJobInput(), ClientRequestToken: "durable" }))).JobId;
        const listed = await s3.send(new ListJobsCommand({ AccountId: "123456789012" }));
        expect(listed.Jobs!.map((j) => j.JobId)).toEqual([JobId]);
        s3.destroy();
      } finally {
        expect(await cli.stop()).toBe(0);
      }
    }
    expect(await readdir(join(dir, ".batchplane", "jobs", "by-id"))).toEqual([JobId]);
  });

  it.each([
    [["serve", "--s3-endpoint", "minio:9000"], /--s3-endpoint must be an http\(s\) URL, got "minio:9000"/],
    [["serve", "--memory", "--data-dir", "jobs"], /--memory keeps nothing on disk: it cannot be combined with --data-dir/],
    [["serve", "--memory", "--s3-endpoint", "http://127.0.0.1:9000"], /--memory cannot be combined with --s3-endpoint/],
    [["serve", "--s3-region", "eu-west-1"], /--s3-region needs --s3-endpoint/],
    [["serve", "--s3-path-style"], /--s3-path-style needs --s3-endpoint/],
    [["serve", "--data-dir="], /--data-dir needs a directory/],
    [["serve", "--port", "http"], /--port must be a number from 0 to 65535, got "http"/],
    [["serve", "--verbose"], /unknown option '--verbose'/i],
    [["start"], /unknown command "start"/],
    [[], /no command given/],
  ])("refuses %j with a usage message and exit code 2", async (args, message) => {
    const cli = runCli(args);
    expect((await cli.exited).code).toBe(2);
    expect(cli.output().stderr).toMatch(message);
    expect(cli.output().stderr).toContain("Usage: batchplane serve");
    // Refused before anything is written.
    expect(await readdir(scratch)).not.toContain(".batchplane-data");
  });

  it("fails with exit code 1 when the data directory cannot be made", async () => {
    const file = join(scratch, "a-file");
    await writeFile(file, "not a directory");
    const cli = runCli(["serve", "--port", "0", "--data-dir", file]);
    expect((await cli.exited).code).toBe(1);
    expect(cli.output().stderr).toMatch(/cannot open the data directory: EEXIST/);
  });

  it("fails with exit code 1 when the port is taken", async () => {
    const taken = await serve({ port: 0, dialects: [] });
    try {
      const port = new URL(taken.url).port;
      const cli = runCli(["serve", "--port", port, "--memory"]);
      expect((await cli.exited).code).toBe(1);
      expect(cli.output().stderr).toMatch(/cannot listen: .*EADDRINUSE/);
    } finally {
      await taken.close();
    }
  });
});

describe("serve()", () => {
  it("answers requests in flight when it shuts down, then refuses new connections", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const inside = new Promise<void>((r) => (arrived = r));
    const slow: Dialect = {
      name: "slow",
      policy: { ...DEFAULT_POLICY, name: "slow" },
      claims: () => true,
      async handle() {
        arrived();
        await gate;
        return { status: 200, headers: {}, body: "done" };
      },
      reject: () => ({ status: 500, headers: {} }),
    };
    const running = await serve({ port: 0, dialects: [slow] });
    const pending = fetch(`${running.url}/anything`);
    await inside;
    const closed = running.close();
    release();
    const res = await pending;
    expect([res.status, await res.text()]).toEqual([200, "done"]);
    await closed;
    await expect(fetch(`${running.url}/anything`)).rejects.toThrow();
  });

  it("runs jobs on its own with the engine it starts", async () => {
    const running = await serve({ port: 0 });
    try {
      await running.objects.createBucket!("photos");
      const put = await running.objects.put({ bucket: "photos", key: "list.csv", body: "photos,list.csv\n" });
      const finished = new Promise<string>((resolve) =>
        running.jobs.subscribe((job, change) => {
          if (change.type === "status" && ["Complete", "Failed", "Cancelled"].includes(change.to)) resolve(change.to);
        }),
      );
      const s3 = new S3ControlClient({ ...localEndpointConfig(running.url), maxAttempts: 1 });
      await s3.send(
        new CreateJobCommand({
          ...tagJobInput(),
          ClientRequestToken: "runs",
          Manifest: { Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] }, Location: { ObjectArn: "arn:aws:s3:::photos/list.csv", ETag: put.etag } },
          Report: { Enabled: false },
        }),
      );
      s3.destroy();
      expect(await finished).toBe("Complete");
      expect(await running.objects.getTagging({ bucket: "photos", key: "list.csv" })).toEqual([{ key: "confidential", value: "true" }]);
    } finally {
      await running.close();
    }
  });

  it("passes its engine options to the engine it starts", async () => {
    await expect(serve({ port: 0, engine: { checkpointEvery: 0 } })).rejects.toThrow("checkpointEvery must be a positive integer, got 0");
  });

  it("mounts every dialect on one port, each claiming only its own requests", () => {
    const dialects = defaultDialects();
    expect(dialects.map((d) => d.name)).toEqual(["s3-control", "oss", "cos"]);
    const heads = {
      "s3-control": { method: "GET", url: new URL("http://h/v20180820/jobs"), headers: new Headers({ "x-amz-account-id": "123456789012" }) },
      oss: { method: "GET", url: new URL("http://bucket.oss-cn-hangzhou.aliyuncs.com/?batchJobs"), headers: new Headers() },
      cos: { method: "GET", url: new URL("http://1250000000.cos-control.ap-guangzhou.myqcloud.com/jobs"), headers: new Headers({ "x-cos-appid": "1250000000" }) },
    };
    for (const [name, head] of Object.entries(heads)) {
      expect(dialects.filter((d) => d.claims(head)).map((d) => d.name)).toEqual([name]);
    }
  });

  it("formats one access-log line", () => {
    const line = formatAccessLog({ method: "GET", url: new URL("http://h/v20180820/jobs?maxResults=1"), status: 200, ms: 3, dialect: "s3-control" }, new Date(0));
    expect(line).toBe("1970-01-01T00:00:00.000Z GET /v20180820/jobs?maxResults=1 200 3ms s3-control");
  });
});
