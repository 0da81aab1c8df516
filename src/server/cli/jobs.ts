import { Command, InvalidArgumentError, Option } from "commander";
import type { JobSummary, JobView } from "../admin/views.js";
import { AdminClient, type JobFilters } from "./admin-client.js";
import { progressText } from "./format.js";
import { paint, paintStatus, table, terminalOutput, type Output } from "./output.js";
import { watchJob } from "./watch.js";

export const DEFAULT_ENDPOINT = "http://127.0.0.1:9090";

interface ClientFlags {
  endpoint: string;
  token?: string;
  json?: boolean;
}

/** What every `jobs` command takes: where the server is, its admin token, --json. */
function withClientOptions(command: Command): Command {
  return command
    .addOption(new Option("--endpoint <url>", "the batchplane server to talk to").default(DEFAULT_ENDPOINT).env("BATCHPLANE_ENDPOINT"))
    .addOption(new Option("--token <token>", "the admin token, when the server has credentials configured").env("BATCHPLANE_ADMIN_TOKEN"))
    .option("--json", "print the API's JSON instead of text (for scripts)");
}

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`must be a non-negative integer, got "${value}"`);
  return Number(value);
}

/** Runs one command's body: prints what it returns, sets the exit code; errors end in 4 (see README). */
function act<A extends unknown[]>(body: (client: AdminClient, out: Output, flags: ClientFlags, ...args: A) => Promise<string | number | void>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const flags = command.opts<ClientFlags>();
    const out = terminalOutput();
    const client = new AdminClient(flags.endpoint, flags.token);
    try {
      const result = await body(client, out, flags, ...(args.slice(0, -2) as A));
      if (typeof result === "string") out.write(result);
      if (typeof result === "number") process.exitCode = result;
    } catch (e) {
      process.stderr.write(`batchplane: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 4;
    }
  };
}

const asJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function listText(out: Output, jobs: JobSummary[]): string {
  if (jobs.length === 0) return "no jobs\n";
  const rows = jobs.map((j) => [j.id, j.dialect, j.account, paintStatus(out, j.status), String(j.priority), progressText(j.progress), j.createdAt]);
  return table(out, ["ID", "DIALECT", "ACCOUNT", "STATUS", "PRIORITY", "PROGRESS", "CREATED"], rows);
}

function describeText(out: Output, job: JobView): string {
  const label = (s: string) => paint(out, "bold", s.padEnd(14));
  const p = job.progress;
  const lines = [
    [label("Id"), job.id],
    [label("Dialect"), `${job.dialect} (account ${job.account}${job.region ? `, region ${job.region}` : ""})`],
    [label("Status"), paintStatus(out, job.status)],
    [label("Priority"), String(job.priority)],
    [label("Operation"), job.operation],
    [label("Progress"), `${progressText(p)}: ${p.succeeded ?? 0} succeeded, ${p.failed ?? 0} failed, ${p.elapsedActiveSeconds}s active`],
    [label("Created"), job.createdAt],
  ];
  if (job.terminatedAt) lines.push([label("Terminated"), job.terminatedAt]);
  if (job.description) lines.push([label("Description"), job.description]);
  if (job.suspendedCause) lines.push([label("Suspended"), job.suspendedCause]);
  if (job.statusUpdateReason) lines.push([label("Reason"), job.statusUpdateReason]);
  for (const f of job.failureReasons) lines.push([label("Failure"), `${f.code}: ${f.reason}`]);
  lines.push([label("Report"), job.report.location ? `${job.report.location.bucket}/${job.report.location.key} (${job.report.scope ?? "AllTasks"})` : "none"]);
  return `${lines.map((l) => l.join(" ")).join("\n")}\n`;
}

export function jobsCommand(): Command {
  const jobs = new Command("jobs").description("see and steer the jobs of a running server (through its admin API)");

  jobs.addCommand(
    withClientOptions(new Command("list"))
      .description("every job of every dialect, account and region, newest first (the default of `jobs`)")
      .option("--status <statuses>", "only these statuses (comma-separated)")
      .option("--dialect <name>", "only this dialect (s3-control, oss, cos)")
      .option("--account <id>", "only this account")
      .action(
        act(async (client, out, flags) => {
          const f = flags as ClientFlags & JobFilters;
          const list = await client.list({ status: f.status, dialect: f.dialect, account: f.account });
          return flags.json ? asJson({ jobs: list }) : listText(out, list);
        }),
      ),
    { isDefault: true },
  );
  const one = (name: string, description: string, body: (client: AdminClient, out: Output, flags: ClientFlags, id: string) => Promise<string | number>) =>
    jobs.addCommand(withClientOptions(new Command(name)).argument("<id>", "the job id").description(description).action(act(body)));
  const shown = (out: Output, flags: ClientFlags, job: JobView, said: string) => (flags.json ? asJson({ job }) : `${said}\n${describeText(out, job)}`);

  one("describe", "one job: status, progress, failure reasons, report location", async (client, out, flags, id) => {
    const job = await client.describe(id);
    return flags.json ? asJson({ job }) : describeText(out, job);
  });
  one("watch", "follow a job to its end with a live progress bar; exits 0 on Complete, 1 on Failed, 3 on Cancelled", (client, out, flags, id) =>
    watchJob(client, id, out, flags.json === true),
  );
  one("confirm", "run a job that waits for confirmation (Suspended → Ready)", async (client, out, flags, id) =>
    shown(out, flags, await client.confirm(id), `Job ${id} confirmed.`),
  );
  jobs.addCommand(
    withClientOptions(new Command("cancel"))
      .argument("<id>", "the job id")
      .option("--reason <text>", "why (kept as the job's status update reason)")
      .description("cancel a job")
      .action(
        act(async (client, out, flags, id: string) =>
          shown(out, flags, await client.cancel(id, (flags as ClientFlags & { reason?: string }).reason), `Job ${id} cancelled.`),
        ),
      ),
  );
  jobs.addCommand(
    withClientOptions(new Command("priority"))
      .argument("<id>", "the job id")
      .argument("<priority>", "the new priority (higher runs first)", integer)
      .description("change a job's priority")
      .action(
        act(async (client, out, flags, id: string, priority: number) =>
          shown(out, flags, await client.priority(id, priority), `Job ${id} priority ${priority}.`),
        ),
      ),
  );
  jobs.addCommand(
    withClientOptions(new Command("report"))
      .argument("<id>", "the job id")
      .option("--rows <n>", "how many failed rows to show", integer, 10)
      .description("a finished job's report: counts by status and error code, and the first failed rows")
      .action(
        act(async (client, out, flags, id: string) => {
          const report = await client.report(id, (flags as ClientFlags & { rows: number }).rows);
          if (flags.json) return asJson({ report });
          const lines = [
            `Report of job ${id}: ${report.location.bucket}/${report.location.key}`,
            `  succeeded  ${report.counts.succeeded ?? 0}`,
            `  failed     ${report.counts.failed ?? 0}`,
          ];
          const codes = Object.entries(report.errorCodes).sort((a, b) => b[1] - a[1]);
          if (codes.length > 0) lines.push("Failed tasks by error code:", ...codes.map(([code, n]) => `  ${code || "(none)"}  ${n}`));
          let text = `${lines.join("\n")}\n`;
          if (report.failedRows.length > 0) {
            const rows = report.failedRows.map((r) => [r.bucket, r.key, r.versionId, r.httpStatus, r.errorCode, r.message]);
            text += `First failed rows:\n${table(out, ["BUCKET", "KEY", "VERSION", "HTTP", "CODE", "MESSAGE"], rows)}`;
          }
          return text;
        }),
      ),
  );
  return jobs;
}

