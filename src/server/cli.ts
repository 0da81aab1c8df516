#!/usr/bin/env node
/**
 * `batchplane serve [--host 127.0.0.1] [--port 9090]`: the job control plane on one port, every
 * dialect mounted, and the engine that runs the jobs. Prints `batchplane listening on http://HOST:PORT` once it accepts
 * connections, one line per request after that, and shuts down cleanly on SIGINT or SIGTERM
 * (requests in flight are answered first). Jobs and objects live in memory unless a data
 * directory (jobs and objects on disk) or an S3-compatible endpoint (objects there) is given.
 */
import { parseArgs } from "node:util";
import { JobService } from "../core/jobs/job-service.js";
import { FsJobStore } from "../stores/fs-job-store.js";
import { FsObjectStore } from "../stores/fs-object-store.js";
import { S3ObjectStore } from "../stores/s3-object-store.js";
import { formatAccessLog, serve } from "./serve.js";

const USAGE = `Usage: batchplane serve [--host HOST] [--port PORT] [--data-dir DIR] [--s3-endpoint URL]

  --host HOST         address to listen on (default 127.0.0.1)
  --port PORT         port to listen on (default 9090; 0 picks a free one)
  --data-dir DIR      keep jobs (and, without --s3-endpoint, objects: a directory a bucket)
                      in DIR, so that they survive a restart (default: in memory)
  --s3-endpoint URL   read and write objects in an S3-compatible store (MinIO, Ceph, moto...),
                      with the AWS credentials of the environment
  --help              show this help
`;

function fail(message: string): never {
  process.stderr.write(`batchplane: ${message}\n\n${USAGE}`);
  process.exit(2);
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
        "s3-endpoint": { type: "string" },
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

  const dataDir = values["data-dir"];
  const endpoint = values["s3-endpoint"];
  if (dataDir === "") fail("--data-dir needs a directory");
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) fail(`--s3-endpoint must be an http(s) URL, got "${endpoint}"`);

  let running;
  try {
    running = await serve({
      host: values.host ?? "127.0.0.1",
      port: Number(portText),
      jobs: dataDir === undefined ? undefined : new JobService({ store: new FsJobStore(dataDir) }),
      objects: endpoint !== undefined ? new S3ObjectStore({ endpoint }) : dataDir !== undefined ? new FsObjectStore(dataDir) : undefined,
      log: (entry) => process.stdout.write(`${formatAccessLog(entry)}\n`),
    });
  } catch (e) {
    process.stderr.write(`batchplane: cannot listen: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  process.stdout.write(`batchplane listening on ${running.url}\n`);

  const stop = (signal: string) => {
    process.stdout.write(`batchplane: ${signal}, shutting down\n`);
    void running.close().then(() => process.exit(0));
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

void main(process.argv.slice(2));
