import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateJobCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../dialects/s3-control/index.js";
import { tagJobInput } from "../dialects/s3-control/support.js";
import { CLI_ARGV, runCli, type RunningProcess } from "../support/cli.js";
import { until } from "../support/poll.js";
import { closedPort } from "../support/ports.js";

/**
 * `batchplane jobs ...` against a real `batchplane serve` process over a data directory: jobs
 * created with the AWS SDK, watched, confirmed, cancelled, reprioritised and reported on by the
 * CLI, whose output and exit codes are checked; the server's log lines for each lifecycle event.
 */
const KEYS = Array.from({ length: 40 }, (_, i) => `photo-${String(i).padStart(3, "0")}.jpg`);
let dir: string;
let server: RunningProcess;
let url: string;
let s3: S3ControlClient;
let manifestEtag: string;
let tokens = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "batchplane-cli-jobs-"));
  for (const bucket of ["data", "manifests", "reports"]) await mkdir(join(dir, bucket));
  for (const key of KEYS) await writeFile(join(dir, "data", key), `bytes of ${key}\n`);
  // One row names an object that does not exist: one failed task, in the report.
  const manifest = [...KEYS, "missing.jpg"].map((k) => `data,${k}\n`).join("");
  await writeFile(join(dir, "manifests", "list.csv"), manifest);
  manifestEtag = createHash("md5").update(manifest).digest("hex");
  server = runCli(["serve", "--port", "0", "--data-dir", dir, "--concurrency", "2"], { cwd: dir });
  [, url] = (await server.waitFor(/^batchplane listening on (\S+)\n/)) as [string, string];
  s3 = new S3ControlClient({ ...localEndpointConfig(url), maxAttempts: 1 });
}, 60_000);

afterAll(async () => {
  s3?.destroy();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function createJob(overrides: { confirm?: boolean; reportBucket?: string } = {}): Promise<string> {
  const { JobId } = await s3.send(
    new CreateJobCommand({
      ...tagJobInput(),
      ClientRequestToken: `cli-jobs-${++tokens}`,
      ConfirmationRequired: overrides.confirm ?? true,
      Manifest: { Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] }, Location: { ObjectArn: "arn:aws:s3:::manifests/list.csv", ETag: manifestEtag } },
      Report: { Enabled: true, Bucket: `arn:aws:s3:::${overrides.reportBucket ?? "reports"}`, Format: "Report_CSV_20180820", ReportScope: "AllTasks", Prefix: "batch" },
    }),
  );
  return JobId!;
}

/** `batchplane jobs ...` with its stdout piped (not a terminal). */
function jobs(args: string[], env: Record<string, string> = {}) {
  return runCli(["jobs", ...args, "--endpoint", url], { cwd: dir, env });
}

async function finished(cli: ReturnType<typeof jobs>) {
  const { code } = await cli.exited;
  return { code, ...cli.output() };
}

function withoutNoColor(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NO_COLOR;
  // Under CI=true Node gives a terminal two colours only (tty.getColorDepth), so styleText paints nothing.
  delete env.CI;
  return env;
}


/** Waits until the server's log says `re`. */
const logged = (re: RegExp) => server.waitFor(re);

describe("batchplane jobs (the CLI against a running server)", () => {
  it("watches a job to Complete (plain lines off a terminal), exit code 0, and the server logs each lifecycle event", async () => {
    const id = await createJob();
    const watch = jobs(["watch", id]);
    // Prepared and waiting: the manifest's 41 rows counted.
    await watch.waitFor(new RegExp(`^${id} Suspended 0/41 tasks`, "m"));

    const confirm = await finished(jobs(["confirm", id]));
    expect(confirm.code).toBe(0);
    expect(confirm.stdout).toContain(`Job ${id} confirmed.`);

    const done = await finished(watch);
    expect(done.stderr).toBe("");
    expect(done.code).toBe(0);
    expect(done.stdout).toContain(`Job ${id} Complete: 41 tasks, 40 succeeded, 1 failed`);
    expect(done.stdout).toMatch(new RegExp(`report: reports/batch/job-${id}/manifest\\.json`));
    // No bar and no colour in a pipe.
    expect(done.stdout).not.toMatch(/\u001b\[|█|░/);

    await logged(new RegExp(`job ${id} Complete`));
    const log = server.output().stdout;
    expect(log).toMatch(new RegExp(`^\\S+Z job ${id} created: dialect s3-control, account 123456789012, region us-east-1, operation putTagging$`, "m"));
    expect(log).toMatch(new RegExp(`^\\S+Z job ${id} prepared: 41 tasks; Suspended, awaiting confirmation$`, "m"));
    expect(log).toMatch(new RegExp(`^\\S+Z job ${id} Ready \\(confirmed\\)$`, "m"));
    expect(log).toMatch(new RegExp(`^\\S+Z job ${id} Active$`, "m"));
    expect(log).toMatch(new RegExp(`^\\S+Z job ${id} Complete: 41 tasks, 40 succeeded, 1 failed; report reports/batch/job-${id}/manifest\\.json$`, "m"));
    // The admin API's requests are in the access log too, with their job.
    expect(log).toMatch(new RegExp(`POST /_batchplane/api/jobs/${id}/confirm 200 \\d+ms admin request=\\S+ job=${id}`));

    const report = await finished(jobs(["report", id]));
    expect(report.code).toBe(0);
    expect(report.stdout).toContain(`Report of job ${id}: reports/batch/job-${id}/manifest.json`);
    expect(report.stdout).toMatch(/succeeded\s+40\n\s+failed\s+1\n/);
    expect(report.stdout).toMatch(/Failed tasks by error code:\n\s+NoSuchKey\s+1\n/);
    expect(report.stdout).toMatch(/^data\s+missing\.jpg\s+404\s+NoSuchKey/m);

    const described = await finished(jobs(["describe", id, "--json"]));
    const { job } = JSON.parse(described.stdout) as { job: { status: string; progress: { total: number; succeeded: number; failed: number } } };
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ total: 41, succeeded: 40, failed: 1 });

    const listed = await finished(jobs(["--status", "Complete"]));
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(/^ID\s+DIALECT\s+ACCOUNT\s+STATUS\s+PRIORITY\s+PROGRESS\s+CREATED$/);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+s3-control\\s+123456789012\\s+Complete\\s+\\d+\\s+41/41 \\(100%\\)\\s+\\S+Z$`, "m"));
  }, 60_000);

  it("watches on a terminal with a live progress bar and colours (a pseudo-terminal, via script)", async () => {
    const id = await createJob();
    const command = [...CLI_ARGV, "jobs", "watch", id, "--endpoint", url].map((a) => `'${a}'`).join(" ");
    // script(1) gives the CLI a pseudo-terminal and exits with its exit code (-e).
    const child = spawn("script", ["-qefc", command, "/dev/null"], { cwd: dir, env: withoutNoColor(), stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    for (let i = 0; i < 400 && !out.includes("Suspended"); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain("Suspended");
    expect((await finished(jobs(["confirm", id]))).code).toBe(0);
    expect(await exited).toBe(0);
    // The bar (cli-progress), redrawn in place, and the outcome in colour.
    expect(out).toMatch(/█+/);
    expect(out).toMatch(/100% \| 41\/41 tasks \| 40 succeeded, 1 failed \| \S+ tasks\/s \| ETA \S+ \| /);
    expect(out).toContain(`\u001b[32mComplete\u001b[39m: 41 tasks, 40 succeeded, 1 failed`);
  }, 60_000);

  it("with NO_COLOR on a terminal, plain lines", async () => {
    const id = await createJob({ confirm: false });
    const command = [...CLI_ARGV, "jobs", "watch", id, "--endpoint", url].map((a) => `'${a}'`).join(" ");
    const child = spawn("script", ["-qefc", command, "/dev/null"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    expect(await new Promise((resolve) => child.on("exit", resolve))).toBe(0);
    expect(out).toContain(`Job ${id} Complete: 41 tasks, 40 succeeded, 1 failed`);
    expect(out).not.toMatch(/\u001b\[3\dm|█/);
  }, 60_000);

  it("cancel, with a reason: a watch exits 3 and says why; priority changes show in describe", async () => {
    const id = await createJob();
    const watch = jobs(["watch", id]);
    await watch.waitFor(new RegExp(`^${id} Suspended`, "m"));
    const priority = await finished(jobs(["priority", id, "77"]));
    expect(priority.code).toBe(0);
    expect(priority.stdout).toMatch(/^Priority\s+77$/m);
    const cancel = await finished(jobs(["cancel", id, "--reason", "wrong bucket"]));
    expect(cancel.code).toBe(0);
    const done = await finished(watch);
    expect(done.code).toBe(3);
    expect(done.stdout).toContain(`Job ${id} Cancelled: 41 tasks, 0 succeeded, 0 failed\n  reason: wrong bucket\n`);
    await logged(new RegExp(`job ${id} Cancelled after 41 tasks, 0 succeeded, 0 failed \\(wrong bucket\\)`));
  }, 60_000);

  it("a job that fails exits 1 with its reasons (a report bucket that does not exist, found before any task ran)", async () => {
    const id = await createJob({ confirm: false, reportBucket: "no-such-bucket" });
    const done = await finished(jobs(["watch", id]));
    expect(done.code).toBe(1);
    expect(done.stdout).toMatch(new RegExp(`Job ${id} Failed: 0 tasks, 0 succeeded, 0 failed\\n  ReportNotWritten: The job report could not be written`));
    // Warnings and errors go to stderr.
    await until("the Failed line", () => (server.output().stderr.match(new RegExp(`^\\S+Z WARN job ${id} Failed: ReportNotWritten: `, "m")) ? true : undefined));
  }, 60_000);

  it("--json on every command, and clear errors (exit 4) for an unknown job or no server", async () => {
    const id = await createJob();
    await logged(new RegExp(`job ${id} prepared`));
    for (const args of [["list"], ["describe", id], ["priority", id, "7"], ["confirm", id], ["watch", id]]) {
      const r = await finished(jobs([...args, "--json"]));
      expect(r.code, args.join(" ")).toBe(0);
      const last = r.stdout.trim().split("\n").pop()!;
      expect(() => JSON.parse(args[0] === "watch" ? last : r.stdout), args.join(" ")).not.toThrow();
    }
    expect(JSON.parse((await finished(jobs(["report", id, "--json"]))).stdout).report.counts).toEqual({ succeeded: 40, failed: 1 });

    const unknown = await finished(jobs(["describe", "00000000-0000-0000-0000-000000000000"]));
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toBe("batchplane: no job has the id 00000000-0000-0000-0000-000000000000\n");
    const closed = await closedPort();
    const nobody = await finished(runCli(["jobs", "--endpoint", `http://127.0.0.1:${closed}`], { cwd: dir }));
    expect(nobody.code).toBe(4);
    expect(nobody.stderr).toContain(`cannot reach a batchplane server at http://127.0.0.1:${closed} (connect ECONNREFUSED`);
  }, 90_000);
});
