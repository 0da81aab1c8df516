#!/usr/bin/env node
/**
 * The `batchplane` command. `batchplane serve`: the job control plane on one port, every dialect
 * mounted, and the engine that runs the jobs. Prints `batchplane listening on http://HOST:PORT`
 * once it accepts connections, then where jobs and objects live, one line per request after that,
 * and shuts down cleanly on SIGINT or SIGTERM (requests in flight are answered first).
 *
 * Storage: jobs and objects on disk in `./.batchplane-data` (created on first run) or
 * `--data-dir DIR`, so that a restart loses nothing and a job that was running resumes; objects in
 * an S3-compatible store with `--s3-endpoint` (jobs still on disk); jobs in PostgreSQL with
 * `--postgres URL` (shared by many processes); or nothing on disk with `--memory`.
 *
 * Arguments are parsed with commander (subcommands, generated help, --version); a usage error
 * exits with 2 and the help of the command it concerns.
 */
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { version } from "../../package.json";
import { JobService } from "../core/jobs/job-service.js";
import type { JobStore, ObjectStore } from "../core/ports.js";
import { FsJobStore } from "../stores/fs-job-store.js";
import { FsObjectStore } from "../stores/fs-object-store.js";
import { PostgresJobStore } from "../stores/postgres/index.js";
import { S3ObjectStore } from "../stores/s3-object-store.js";
import { signatureNotice } from "./auth.js";
import { jobsCommand } from "./cli/jobs.js";
import { CredentialsFileError, loadCredentials, type StaticCredentials } from "./credentials.js";
import { serve, SERVER_CHECKPOINT_INTERVAL_MS, type ConnectionLimits } from "./serve.js";
import { accessRecord, createLogSink, type LogFormat } from "./server-log.js";
import { probeStore, requirePeer, StartupRefusal } from "./startup-checks.js";

// The AWS SDK warns on Node 20 that its releases after January 2027 need Node 22, once per process
// (18 times in a test run). Its documented switch turns that off (aws/aws-sdk-js-v3#7983); a
// user who sets the variable otherwise keeps their choice.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const DEFAULT_DATA_DIR = ".batchplane-data";

interface StorageFlags {
  dataDir?: string;
  memory?: boolean;
  s3Endpoint?: string;
  s3Region?: string;
  s3PathStyle?: boolean;
  postgres?: string;
}

interface ServeFlags extends StorageFlags {
  host: string;
  port: string;
  concurrency: number;
  perJobConcurrency?: number;
  checkpointInterval: number;
  logFormat: LogFormat;
  quiet?: boolean;
  credentials?: string;
  headersTimeout?: number;
  requestTimeout?: number;
  keepAliveTimeout?: number;
  maxConnections?: number;
}

interface Storage {
  jobs?: JobService;
  objects?: ObjectStore;
  /** Said once the server listens. */
  where: string;
}

/** A usage error: exits with 2 after the message and the usage of the command it concerns. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: Command,
  ) {
    super(message);
  }
}

function usage(message: string): never {
  throw new UsageError(message);
}

/** Checks the storage flags together; a usage error when they contradict each other. */
function checkStorageFlags(flags: StorageFlags): void {
  const endpoint = flags.s3Endpoint;
  if (flags.dataDir === "") usage("--data-dir needs a directory");
  if (flags.memory && flags.dataDir !== undefined) usage("--memory keeps nothing on disk: it cannot be combined with --data-dir");
  if (flags.memory && endpoint !== undefined) usage("--memory cannot be combined with --s3-endpoint (job state would be lost on exit)");
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) usage(`--s3-endpoint must be an http(s) URL, got "${endpoint}"`);
  if (endpoint === undefined) {
    if (flags.s3Region !== undefined) usage("--s3-region needs --s3-endpoint");
    if (flags.s3PathStyle) usage("--s3-path-style needs --s3-endpoint");
  }
  if (flags.s3Region === "") usage("--s3-region needs a region");
  if (flags.postgres !== undefined && !/^postgres(ql)?:\/\//.test(flags.postgres)) usage(`--postgres must be a postgres:// URL, got "${flags.postgres}"`);
  if (flags.postgres !== undefined && flags.memory) usage("--memory cannot be combined with --postgres");
}

/** The stores the flags ask for; the data directory is created when missing. */
async function openStorage(flags: StorageFlags): Promise<Storage> {
  if (flags.memory) return { where: "jobs and objects in memory (nothing on disk; lost on exit)" };
  const dir = resolve(flags.dataDir ?? DEFAULT_DATA_DIR);
  const postgres = flags.postgres === undefined ? undefined : await openPostgres(flags.postgres);
  const endpoint = flags.s3Endpoint;
  if (!postgres || endpoint === undefined) await mkdir(dir, { recursive: true });
  let store: JobStore | undefined = postgres?.store;
  if (!store) {
    // One process per data directory: opening takes its lock, refused while another process holds it.
    const fsJobs = new FsJobStore(dir);
    await fsJobs.open();
    store = fsJobs;
  }
  const jobs = new JobService({ store });
  const jobsWhere = postgres?.where ?? `jobs in ${dir}`;
  if (endpoint === undefined) {
    const objects = new FsObjectStore(dir);
    await objects.open();
    return { jobs, objects, where: postgres ? `${jobsWhere}, objects in ${dir}` : `jobs and objects in ${dir}` };
  }
  const objects = new S3ObjectStore({ endpoint, region: flags.s3Region, forcePathStyle: flags.s3PathStyle });
  return { jobs, objects, where: `${jobsWhere}, objects in the S3-compatible store at ${endpoint}` };
}

/** Jobs in PostgreSQL; a database not reachable yet is said, not fatal: requests get 503 until it is. */
async function openPostgres(url: string): Promise<{ store: PostgresJobStore; where: string }> {
  const store = new PostgresJobStore({ connectionString: url });
  const shown = url.replace(/\/\/[^@/]*@/, "//");
  await store.open().catch((e: Error) => process.stderr.write(`batchplane: PostgreSQL at ${shown} is not reachable yet (${e.message}); requests are answered 503 until it is\n`));
  return { store, where: `jobs in PostgreSQL at ${shown} (schema ${store.schema})` };
}

/** The credentials file, when given: a malformed one stops the server with the line at fault (exit 2). */
async function readCredentials(path: string | undefined): Promise<StaticCredentials | undefined> {
  if (path === undefined) return undefined;
  if (path === "") usage("--credentials needs a file");
  try {
    return await loadCredentials(path);
  } catch (e) {
    if (!(e instanceof CredentialsFileError)) throw e;
    process.stderr.write(`batchplane: the credentials file is malformed: ${e.message}\n`);
    process.exit(2);
  }
}

/** Connection limits (serve's `connections`) from their flags. */
function connectionLimits(flags: ServeFlags): Partial<ConnectionLimits> {
  const limits: Partial<ConnectionLimits> = {};
  if (flags.headersTimeout !== undefined) limits.headersTimeoutMs = flags.headersTimeout;
  if (flags.requestTimeout !== undefined) limits.requestTimeoutMs = flags.requestTimeout;
  if (flags.keepAliveTimeout !== undefined) limits.keepAliveTimeoutMs = flags.keepAliveTimeout;
  if (flags.maxConnections !== undefined) limits.maxConnections = flags.maxConnections;
  return limits;
}

/** A refusal to start (not a usage error): exit 1 with the reason. */
function refuse(message: string): never {
  process.stderr.write(`batchplane: ${message}\n`);
  process.exit(1);
}

async function runServe(flags: ServeFlags): Promise<void> {
  const portText = flags.port;
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) usage(`--port must be a number from 0 to 65535, got "${portText}"`);
  checkStorageFlags(flags);
  const log = createLogSink({ format: flags.logFormat, quiet: flags.quiet });
  const credentials = await readCredentials(flags.credentials);
  if (flags.s3Endpoint !== undefined) {
    try {
      await requirePeer("@aws-sdk/client-s3", "--s3-endpoint", () => import("@aws-sdk/client-s3"));
    } catch (e) {
      if (e instanceof StartupRefusal) refuse(e.message);
      throw e;
    }
  }

  let storage: Storage;
  try {
    storage = await openStorage(flags);
  } catch (e) {
    process.stderr.write(`batchplane: cannot open the data directory: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  let running;
  try {
    running = await serve({
      host: flags.host,
      port: Number(portText),
      jobs: storage.jobs,
      objects: storage.objects,
      engine: { concurrency: flags.concurrency, perJobConcurrency: flags.perJobConcurrency, checkpointIntervalMs: flags.checkpointInterval },
      log: (entry) => log(accessRecord(entry)),
      logger: log,
      credentials,
      ...(credentials?.adminToken !== undefined ? { adminToken: credentials.adminToken } : {}),
      connections: connectionLimits(flags),
    });
  } catch (e) {
    process.stderr.write(`batchplane: cannot listen: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  // Before the first line: a script that stops the server as soon as it is up (SIGTERM right
  // after the banner, while the store is still being probed) gets a clean shutdown, not 143.
  const stop = (signal: string) => {
    log({ level: "info", event: "shutdown", message: `batchplane: ${signal}, shutting down` });
    void running.close().then(() => process.exit(0));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  // The first lines, whatever --quiet says: scripts wait for them to know the server is up.
  log({ level: "info", event: "startup.listening", message: `batchplane listening on ${running.url}`, fields: { url: running.url }, banner: true });
  log({ level: "info", event: "startup.storage", message: `batchplane: ${storage.where}`, banner: true });
  const notice = signatureNotice(flags.host, credentials && { source: flags.credentials!, keys: credentials.entries.length });
  // Said at start like the lines above, but not under --quiet (it is no error).
  if (!flags.quiet) log({ level: "info", event: "startup.signatures", message: `batchplane: ${notice.line}`, banner: true });
  if (notice.warning) log({ level: "warn", event: "startup.signatures", message: notice.warning });
  if (flags.s3Endpoint !== undefined && storage.objects) {
    const problem = await probeStore(storage.objects);
    if (problem) {
      log({
        level: "warn",
        event: "startup.store",
        message: `the S3-compatible store at ${flags.s3Endpoint} did not answer (${problem}); jobs will fail to read their manifests until it does`,
        fields: { endpoint: flags.s3Endpoint },
      });
    }
  }

}

function positiveInteger(flag: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${flag} must be a positive integer, got "${value}"`);
    return Number(value);
  };
}

function serveCommand(): Command {
  return new Command("serve")
    .description("run the job control plane: every dialect on one port, and the engine that runs the jobs")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0 picks a free one)", "9090")
    .option(
      "--data-dir <dir>",
      `where jobs and objects live, so that they survive a restart: a directory a bucket, a file an object, jobs under DIR/.batchplane/ (default: ./${DEFAULT_DATA_DIR}, created on first run)`,
    )
    .option("--memory", "keep jobs and objects in memory: nothing on disk, everything lost on exit")
    .option(
      "--s3-endpoint <url>",
      "run jobs over the objects of an S3-compatible store (AWS S3, MinIO, Ceph, moto...) with the AWS credentials of the environment; jobs stay in the data directory",
    )
    .option("--s3-region <region>", "the region requests to it are signed for (default: AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1)")
    .option("--s3-path-style", "address buckets as URL/bucket/key (MinIO, moto and most others need it)")
    .option(
      "--postgres <url>",
      "keep jobs in PostgreSQL (postgres://user:pass@host:port/db, schema batchplane, created on first run): any number of processes over one database and one --s3-endpoint share the jobs; without --s3-endpoint, objects stay in the data directory (one process)",
    )
    .option("--credentials <file>", "check every request's signature against the keys in FILE (JSON, see the README); without it signatures are not checked")
    .option("--headers-timeout <ms>", "close a connection that has not sent a whole request head within MS, with a 408", positiveInteger("--headers-timeout"), 10_000)
    .option("--request-timeout <ms>", "close a connection whose request (head and body) is not in within MS, with a 408", positiveInteger("--request-timeout"), 30_000)
    .option("--keep-alive-timeout <ms>", "close a keep-alive connection idle between requests for MS", positiveInteger("--keep-alive-timeout"), 5_000)
    .option("--max-connections <n>", "refuse connections beyond N (default: three quarters of the descriptor limit)", positiveInteger("--max-connections"))
    .option("--concurrency <n>", "tasks in flight across all jobs", positiveInteger("--concurrency"), 32)
    .option("--per-job-concurrency <n>", "tasks in flight for one job (default: --concurrency)", positiveInteger("--per-job-concurrency"))
    .option(
      "--checkpoint-interval <ms>",
      "how often a running job's progress and report rows are made durable (a crash repeats at most this much work)",
      positiveInteger("--checkpoint-interval"),
      SERVER_CHECKPOINT_INTERVAL_MS,
    )
    .addOption(new Option("--log-format <format>", "text lines, or one JSON object a line").choices(["text", "json"]).default("text"))
    .option("--quiet", "log errors only")
    .action((flags: ServeFlags) => runServe(flags));
}

/** The whole command tree; commands added here appear in `batchplane --help`. */
export function program(): Command {
  const root = new Command("batchplane")
    .description("The batch-operations job control plane of object storage (S3 Control, Alibaba Cloud OSS, Tencent Cloud COS).")
    .version(version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show this help")
    // Errors are rendered by main(), with the usage of the command they concern.
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  for (const command of [serveCommand(), jobsCommand()]) root.addCommand(inherit(command, root));
  return root;
}

/** Error handling and help wording reach every subcommand (addCommand does not copy them). */
function inherit(command: Command, parent: Command): Command {
  command.copyInheritedSettings(parent);
  for (const sub of command.commands) inherit(sub, command);
  return command;
}

/** The deepest command argv names: its usage is the one an error shows. */
function concernedBy(root: Command, argv: string[]): Command | undefined {
  let command: Command | undefined;
  let at: Command = root;
  for (const word of argv) {
    const next = at.commands.find((c) => c.name() === word);
    if (!next) break;
    command = at = next;
  }
  return command;
}

async function main(argv: string[]): Promise<void> {
  const root = program();
  const serveUsage = root.commands.find((c) => c.name() === "serve")!;
  const first = argv[0];
  try {
    // Said in our own words: commander would print the root help for these.
    if (first === undefined) usage("no command given");
    if (!first.startsWith("-") && first !== "help" && !root.commands.some((c) => c.name() === first)) usage(`unknown command "${first}"`);
    await root.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here too, having printed what they print.
      if (e.exitCode === 0) process.exit(0);
      reportUsage(e.message.replace(/^error: /, ""), concernedBy(root, argv) ?? serveUsage);
    }
    if (e instanceof UsageError) reportUsage(e.message, e.command ?? concernedBy(root, argv) ?? serveUsage);
    throw e;
  }
}

function reportUsage(message: string, command: Command): never {
  process.stderr.write(`batchplane: ${message}\n\n${command.helpInformation()}`);
  process.exit(2);
}

void main(process.argv.slice(2));
