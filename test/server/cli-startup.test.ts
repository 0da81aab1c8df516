import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CreateJobCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../dialects/s3-control/index.js";
import { tagJobInput } from "../dialects/s3-control/support.js";
import { runCli as run } from "../support/cli.js";
import { until } from "../support/poll.js";
import { closedPort } from "../support/ports.js";

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "batchplane-startup-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
const runCli = (args: string[], env: Record<string, string> = {}) => run(args, { cwd: scratch, env });
const HIDE_SDK = pathToFileURL(resolve(__dirname, "../fixtures/hide-aws-sdk-s3.mjs")).href;


describe("batchplane serve: start-up checks", () => {
  it("refuses --s3-endpoint when @aws-sdk/client-s3 is not installed, printing the install command (exit 1, nothing written)", async () => {
    const cli = runCli(["serve", "--port", "0", "--s3-endpoint", "http://127.0.0.1:9000"], { NODE_OPTIONS: `--import=${HIDE_SDK}` });
    expect((await cli.exited).code).toBe(1);
    expect(cli.output().stderr).toContain("--s3-endpoint needs @aws-sdk/client-s3, an optional peer dependency of batchplane, which is not installed");
    expect(cli.output().stderr).toContain("  npm install @aws-sdk/client-s3\n");
    expect(cli.output().stdout).not.toContain("listening");
    expect(await readdir(scratch)).not.toContain(".batchplane-data");
  });

  it("warns at start when the S3-compatible store does not answer, and serves anyway", async () => {
    const port = await closedPort();
    const dir = await mkdtemp(join(scratch, "unreachable-"));
    const cli = runCli(["serve", "--port", "0", "--data-dir", dir, "--s3-endpoint", `http://127.0.0.1:${port}`, "--s3-path-style"], {
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      // Unset (spawn drops undefined values): the CLI itself turns the SDK's Node-20 notice off.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined as unknown as string,
    });
    try {
      await cli.waitFor(/^batchplane listening on /m);
      const warning = await until("the warning", () => /^\S+Z WARN the S3-compatible store at (\S+) did not answer \((.*)\)/m.exec(cli.output().stderr) ?? undefined, { timeoutMs: 30_000 });
      expect(warning[1]).toBe(`http://127.0.0.1:${port}`);
      expect(warning[2]).toMatch(/ECONNREFUSED|connect/);
      expect(cli.output().stderr).not.toContain("NodeVersionSupportWarning");
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  }, 60_000);

  it("shuts down cleanly on SIGTERM sent as soon as it says it is listening, while the store is still being probed", async () => {
    // A store that accepts connections and never answers: the start-up probe is still waiting.
    const silent = createServer(() => {});
    await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done));
    const dir = await mkdtemp(join(scratch, "silent-"));
    const cli = runCli(["serve", "--port", "0", "--data-dir", dir, "--s3-endpoint", `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, "--s3-path-style"], {
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
    try {
      await cli.waitFor(/^batchplane listening on /m);
      expect(await cli.stop()).toBe(0);
      expect(cli.output().stderr).not.toContain("did not answer");
    } finally {
      silent.close();
    }
  }, 60_000);

  it("prints its version with --version", async () => {
    const cli = runCli(["--version"]);
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(cli.output().stdout).toBe("0.1.0\n");
  });

  it("--help lists every serve flag with its default", async () => {
    const cli = runCli(["serve", "--help"]);
    expect((await cli.exited).code).toBe(0);
    const help = cli.output().stdout.replace(/\s+/g, " ");
    for (const flag of ["--host <host>", "--port <port>", "--data-dir <dir>", "--memory", "--s3-endpoint <url>", "--s3-region <region>", "--s3-path-style", "--concurrency <n>", "--per-job-concurrency <n>", "--checkpoint-interval <ms>", "--log-format <format>", "--quiet"]) {
      expect(help).toContain(flag);
    }
    for (const shown of ['(default: "127.0.0.1")', '(default: "9090")', "(default: 32)", "(default: 1000)", 'default: "text"', "(default: ./.batchplane-data, created on first run)", "(default: --concurrency)"]) {
      expect(help).toContain(shown);
    }
  });
});

describe("batchplane serve: the log", () => {
  async function createJob(url: string) {
    const s3 = new S3ControlClient({ ...localEndpointConfig(url), maxAttempts: 1 });
    try {
      return (await s3.send(new CreateJobCommand({ ...tagJobInput(), ClientRequestToken: "log" }))).JobId!;
    } finally {
      s3.destroy();
    }
  }

  it("--log-format json: one JSON object a line, access lines with request id and job id", async () => {
    const cli = runCli(["serve", "--port", "0", "--memory", "--log-format", "json"]);
    try {
      const [, url] = await cli.waitFor(/"message":"batchplane listening on (http:\/\/[^"]+)"/);
      const id = await createJob(url!);
      await cli.waitFor(/"event":"job\.(failed|suspended)"/);
      // The access line is written once the response is sent, which may come after the job's events.
      await cli.waitFor(/"event":"request".*"method":"POST"|"method":"POST".*"event":"request"/);
      const lines = cli.output().stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines[0]).toMatchObject({ level: "info", event: "startup.listening", url });
      expect(lines.find((l) => l.event === "job.created")).toMatchObject({ jobId: id, dialect: "s3-control", account: "123456789012", operation: "putTagging" });
      const created = lines.find((l) => l.event === "request" && l.method === "POST");
      expect(created).toMatchObject({ status: 200, dialect: "s3-control", jobId: id, path: "/v20180820/jobs" });
      expect(created!.requestId).toMatch(/^[0-9A-Z]{16}$/);
      expect(typeof created!.time).toBe("string");
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  }, 60_000);

  it("an error response's access line carries its error code", async () => {
    const cli = runCli(["serve", "--port", "0", "--memory"]);
    try {
      const [, url] = await cli.waitFor(/^batchplane listening on (\S+)\n/);
      const id = "00000000-0000-0000-0000-000000000000";
      const res = await fetch(`${url}/v20180820/jobs/${id}`, { headers: { "x-amz-account-id": "123456789012" } });
      const code = /<Code>([^<]+)<\/Code>/.exec(await res.text())![1];
      expect([res.status, code]).toEqual([404, "NotFoundException"]);
      await cli.waitFor(new RegExp(`GET /v20180820/jobs/${id} 404 \\d+ms s3-control request=\\S+ error=NotFoundException job=${id}\n`));
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  }, 60_000);

  it("--quiet: errors only (no access or job lines), the listening line still printed", async () => {
    const cli = runCli(["serve", "--port", "0", "--memory", "--quiet"]);
    try {
      const [, url] = await cli.waitFor(/^batchplane listening on (\S+)\n/);
      await createJob(url!);
      const listed = await fetch(`${url}/_batchplane/api/jobs`);
      expect(listed.status).toBe(200);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
    const { stdout, stderr } = cli.output();
    expect(stdout.split("\n").filter(Boolean)).toEqual([expect.stringMatching(/^batchplane listening on /), expect.stringMatching(/^batchplane: jobs and objects in memory/)]);
    expect(stderr).toBe("");
  }, 60_000);
});
