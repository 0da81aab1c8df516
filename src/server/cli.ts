#!/usr/bin/env node
/**
 * `batchplane serve`: the job control plane on one port, every dialect mounted, and the engine
 * that runs the jobs. Prints `batchplane listening on http://HOST:PORT` once it accepts
 * connections, then where jobs and objects live, one line per request after that, and shuts down
 * cleanly on SIGINT or SIGTERM (requests in flight are answered first).
 *
 * Storage: jobs and objects on disk in `./.batchplane-data` (created on first run) or
 * `--data-dir DIR`, so that a restart loses nothing and a job that was running resumes; objects in
 * an S3-compatible store with `--s3-endpoint` (jobs still on disk); or nothing on disk with
 * `--memory`.
 */
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { JobService } from "../core/jobs/job-service.js";
import type { JobStore, ObjectStore } from "../core/ports.js";
import { FsJobStore } from "../stores/fs-job-store.js";
import { FsObjectStore } from "../stores/fs-object-store.js";
import { PostgresJobStore } from "../stores/postgres/index.js";
import { S3ObjectStore } from "../stores/s3-object-store.js";
import { signatureNotice } from "./auth.js";
import { CredentialsFileError, loadCredentials, type StaticCredentials } from "./credentials.js";
import { formatAccessLog, serve, type ConnectionLimits } from "./serve.js";

const DEFAULT_DATA_DIR = ".batchplane-data";

const USAGE = `Usage: batchplane serve [--host HOST] [--port PORT] [--data-dir DIR | --memory]
                       [--s3-endpoint URL [--s3-region REGION] [--s3-path-style]]
                       [--postgres URL]

  --host HOST          address to listen on (default 127.0.0.1)
  --port PORT          port to listen on (default 9090; 0 picks a free one)
  --data-dir DIR       where jobs and objects live, so that they survive a restart (default
                       ./${DEFAULT_DATA_DIR}, created on first run): a directory a bucket, a file
                       an object, jobs under DIR/.batchplane/
  --memory             keep jobs and objects in memory: nothing on disk, everything lost on exit
  --s3-endpoint URL    run jobs over the objects of an S3-compatible store (AWS S3, MinIO, Ceph,
                       moto...) with the AWS credentials of the environment; jobs stay in the
                       data directory
  --s3-region REGION   the region requests to it are signed for (default: AWS_REGION, else
                       AWS_DEFAULT_REGION, else us-east-1)
  --s3-path-style      address buckets as URL/bucket/key (MinIO, moto and most others need it)
  --credentials FILE   check every request's signature against the keys in FILE (JSON, see the
                       README); without it signatures are not checked
  --headers-timeout MS, --request-timeout MS, --keep-alive-timeout MS, --max-connections N
                       close a connection that has not sent a request head in MS (default
                       10000), a whole request (30000), or that idles between requests (5000);
                       refuse connections beyond N (default: 3/4 of the descriptor limit)
  --postgres URL       keep jobs in PostgreSQL (postgres://user:pass@host:port/db, schema
                       batchplane, created on first run): any number of processes over one
                       database and one --s3-endpoint share the jobs; without --s3-endpoint,
                       objects stay in the data directory (one process)
  --help               show this help
`;

interface StorageFlags {
  "data-dir"?: string;
  memory?: boolean;
  "s3-endpoint"?: string;
  "s3-region"?: string;
  "s3-path-style"?: boolean;
  postgres?: string;
}

interface Storage {
  jobs?: JobService;
  objects?: ObjectStore;
  /** Said once the server listens. */
  where: string;
}

function fail(message: string): never {
  process.stderr.write(`batchplane: ${message}\n\n${USAGE}`);
  process.exit(2);
}

/** Connection limits (serve's `connections`): flag → option, each a positive whole number. */
const CONNECTION_FLAG_NAMES = {
  "headers-timeout": "headersTimeoutMs",
  "request-timeout": "requestTimeoutMs",
  "keep-alive-timeout": "keepAliveTimeoutMs",
  "max-connections": "maxConnections",
} as const satisfies Record<string, keyof ConnectionLimits>;
const CONNECTION_FLAGS = Object.fromEntries(Object.keys(CONNECTION_FLAG_NAMES).map((f) => [f, { type: "string" as const }])) as Record<
  keyof typeof CONNECTION_FLAG_NAMES,
  { type: "string" }
>;

function connectionFlags(values: Partial<Record<keyof typeof CONNECTION_FLAG_NAMES, string>>): Partial<ConnectionLimits> {
  const limits: Partial<ConnectionLimits> = {};
  for (const [flag, option] of Object.entries(CONNECTION_FLAG_NAMES) as [keyof typeof CONNECTION_FLAG_NAMES, keyof ConnectionLimits][]) {
    const text = values[flag];
    if (text === undefined) continue;
    if (!/^[1-9]\d{0,9}$/.test(text)) fail(`--${flag} must be a positive whole number, got "${text}"`);
    limits[option] = Number(text);
  }
  return limits;
}

/** Checks the storage flags together; exits with a usage error when they contradict each other. */
function checkStorageFlags(flags: StorageFlags): void {
  const endpoint = flags["s3-endpoint"];
  if (flags["data-dir"] === "") fail("--data-dir needs a directory");
  if (flags.memory && flags["data-dir"] !== undefined) fail("--memory keeps nothing on disk: it cannot be combined with --data-dir");
  if (flags.memory && endpoint !== undefined) fail("--memory cannot be combined with --s3-endpoint (job state would be lost on exit)");
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) fail(`--s3-endpoint must be an http(s) URL, got "${endpoint}"`);
  if (endpoint === undefined) {
    if (flags["s3-region"] !== undefined) fail("--s3-region needs --s3-endpoint");
    if (flags["s3-path-style"]) fail("--s3-path-style needs --s3-endpoint");
  }
  if (flags["s3-region"] === "") fail("--s3-region needs a region");
  if (flags.postgres !== undefined && !/^postgres(ql)?:\/\//.test(flags.postgres)) fail(`--postgres must be a postgres:// URL, got "${flags.postgres}"`);
  if (flags.postgres !== undefined && flags.memory) fail("--memory cannot be combined with --postgres");
}

/** The stores the flags ask for; the data directory is created when missing. */
async function openStorage(flags: StorageFlags): Promise<Storage> {
  if (flags.memory) return { where: "jobs and objects in memory (nothing on disk; lost on exit)" };
  const dir = resolve(flags["data-dir"] ?? DEFAULT_DATA_DIR);
  const postgres = flags.postgres === undefined ? undefined : await openPostgres(flags.postgres);
  const endpoint = flags["s3-endpoint"];
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
  const objects = new S3ObjectStore({ endpoint, region: flags["s3-region"], forcePathStyle: flags["s3-path-style"] });
  return { jobs, objects, where: `${jobsWhere}, objects in the S3-compatible store at ${endpoint}` };
}

/** Jobs in PostgreSQL; a database not reachable yet is said, not fatal: requests get 503 until it is. */
async function openPostgres(url: string): Promise<{ store: PostgresJobStore; where: string }> {
  const store = new PostgresJobStore({ connectionString: url });
  const shown = url.replace(/\/\/[^@/]*@/, "//");
  await store.open().catch((e: Error) => process.stderr.write(`batchplane: PostgreSQL at ${shown} is not reachable yet (${e.message}); requests are answered 503 until it is\n`));
  return { store, where: `jobs in PostgreSQL at ${shown} (schema ${store.schema})` };
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: "string" },
        port: { type: "string" },
        "data-dir": { type: "string" },
        memory: { type: "boolean" },
        "s3-endpoint": { type: "string" },
        "s3-region": { type: "string" },
        "s3-path-style": { type: "boolean" },
        credentials: { type: "string" },
        ...CONNECTION_FLAGS,
        postgres: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const [command, ...rest] = positionals;
  if (command !== "serve") fail(command === undefined ? "no command given" : `unknown command "${command}"`);
  if (rest.length > 0) fail(`unexpected argument "${rest[0]}"`);
  const portText = values.port ?? "9090";
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) fail(`--port must be a number from 0 to 65535, got "${portText}"`);

  checkStorageFlags(values);
  if (values.credentials === "") fail("--credentials needs a file");
  let credentials: StaticCredentials | undefined;
  try {
    credentials = values.credentials === undefined ? undefined : await loadCredentials(values.credentials);
  } catch (e) {
    if (!(e instanceof CredentialsFileError)) throw e;
    process.stderr.write(`batchplane: the credentials file is malformed: ${e.message}\n`);
    process.exit(2);
  }
  const connections = connectionFlags(values);

  let storage: Storage;
  try {
    storage = await openStorage(values);
  } catch (e) {
    process.stderr.write(`batchplane: cannot open the data directory: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  let running;
  try {
    running = await serve({
      host: values.host ?? "127.0.0.1",
      port: Number(portText),
      jobs: storage.jobs,
      objects: storage.objects,
      credentials,
      log: (entry) => process.stdout.write(`${formatAccessLog(entry)}\n`),
      connections,
    });
  } catch (e) {
    process.stderr.write(`batchplane: cannot listen: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  process.stdout.write(`batchplane listening on ${running.url}\nbatchplane: ${storage.where}\n`);
  const notice = signatureNotice(values.host ?? "127.0.0.1", credentials && { source: values.credentials!, keys: credentials.entries.length });
  process.stdout.write(`batchplane: ${notice.line}\n`);
  if (notice.warning) process.stderr.write(`batchplane: ${notice.warning}\n`);

  const stop = (signal: string) => {
    process.stdout.write(`batchplane: ${signal}, shutting down\n`);
    void running.close().then(() => process.exit(0));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

void main(process.argv.slice(2));
