import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type RunningProcess } from "../../support/cli.js";

/**
 * The README's "Five minutes with the AWS CLI", run as written (its shell blocks, in order) with
 * the AWS CLI alone against one `batchplane serve` (what `npm start` runs): buckets made and
 * objects uploaded through the S3 object API, a job created, confirmed and checked through S3
 * Control, the tags and the report read back through the S3 object API. Only the port differs
 * (a free one instead of 9090), and the test waits for the job to complete where the README says
 * "run it again while it says Active".
 */
const run = promisify(execFile);
const README = resolve(__dirname, "../../../README.md");

async function walkthrough(): Promise<string[]> {
  const text = await readFile(README, "utf8");
  const start = text.indexOf("### Five minutes with the AWS CLI");
  const end = text.indexOf("\n### ", start + 10);
  const section = text.slice(start, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

let dir: string;
let server: RunningProcess;
let port: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "batchplane-walkthrough-"));
  server = runCli(["serve", "--port", "0"], { cwd: dir });
  port = (await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]!;
}, 60_000);
afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the README's five-minute walk-through", () => {
  it("runs as written with the AWS CLI against one server", async () => {
    const blocks = await walkthrough();
    expect(blocks[0]!.trim()).toBe("npm start");
    const [, upload, proxy, job, check, afterRestart] = blocks;
    const waitForJob = `for i in $(seq 120); do [ "$(s3control describe-job --job-id "$JOB" --query Job.Status --output text)" = Complete ] && break; sleep 1; done`;
    const script = ["set -e", upload, proxy, job, waitForJob, "echo ---check---", check, afterRestart].join("\n").replace(/:9090/g, `:${port}`);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
    const { stdout } = await run("bash", ["-c", script], { cwd: dir, env, timeout: 400_000 }).catch((e: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`the walk-through failed: ${e.message}\n${e.stdout}\n${e.stderr}\n${server.output().stderr}`);
    });
    const checked = stdout.slice(stdout.indexOf("---check---"));
    expect(checked).toContain("pet\tyes");
    expect(checked).toContain("photos,cat.jpg,,succeeded,200,,Successful\nphotos,dog.jpg,,succeeded,200,,Successful");
    expect(checked).toMatch(/\tComplete/);
    expect(checked).toMatch(/cat\.jpg/);
  }, 420_000);
});
