import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Dialect } from "../../dialects/dialect.js";
import type { Credential, CredentialsPort } from "../../dialects/signature.js";
import { Engine, type EngineOptions } from "../core/engine/index.js";
import { JobService } from "../core/jobs/job-service.js";
import type { ObjectStore } from "../core/ports.js";
import { FsJobStore } from "../stores/fs-job-store.js";
import { FsWorkLeases } from "../stores/fs-work-leases.js";
import { MemoryJobStore } from "../stores/memory-job-store.js";
import { MemoryObjectStore } from "../stores/memory-object-store.js";
import { PostgresJobStore, PostgresWorkLeases, uniqueOwner } from "../stores/postgres/index.js";
import { defaultDialects } from "./default-dialects.js";
import type { AccessLogEntry } from "./dispatcher.js";
import { logJobLifecycle, logResumedJobs } from "./job-log.js";
import { createNodeHandler } from "./node-handler.js";
import { accessRecord, type LogSink } from "./server-log.js";

/** How often a running job's progress and report rows are made durable under `serve()`. */
export const SERVER_CHECKPOINT_INTERVAL_MS = 1_000;

export interface ServeOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 9090; 0 picks a free port. */
  port?: number;
  jobs?: JobService;
  /** Where job operations read and write objects (the engine's store). Default: in memory. */
  objects?: ObjectStore;
  /**
   * Run jobs: an Engine over `jobs` and `objects`, started with the server and stopped with it
   * (default true). False when the caller drives its own engine (`runUntilIdle` in tests).
   */
  runJobs?: boolean;
  /**
   * Options of the engine serve() starts (concurrency, checkpoint interval, retries, lease store...).
   * A job that was Active when the process died resumes from its units' last recorded steps; tasks
   * finished after them run again, so a smaller `checkpointEvery` or `checkpointIntervalMs` repeats
   * less work. Without `leases`, an FsJobStore gets an FsWorkLeases over the same data directory.
   */
  engine?: Omit<EngineOptions, "jobs" | "objects">;
  dialects?: readonly Dialect[];
  maxBodyBytes?: number;
  /** Check every request's signature against these keys (see HandlerOptions.credentials). Default: nothing checked. */
  credentials?: readonly Credential[] | CredentialsPort;
  /** One call per answered request. */
  log?: (entry: AccessLogEntry) => void;
  /**
   * The server's own log: one record per job lifecycle event (created, prepared, Suspended,
   * Active, resumed after a restart, Complete, Failed, Cancelled) and the engine's errors.
   */
  logger?: LogSink;
  /**
   * When set, the admin API (/_batchplane/api/) needs `Authorization: Bearer <adminToken>`
   * (`batchplane serve` takes it from the credentials file's "adminToken").
   */
  adminToken?: string;
  /** How long shutdown waits for in-flight requests before it cuts connections. Default 10 s. */
  shutdownGraceMs?: number;
  /** Connection limits and timeouts (see CONNECTION_DEFAULTS). */
  connections?: Partial<ConnectionLimits>;
}

export interface ConnectionLimits {
  /** A connection that has not sent a request's whole head by then is closed (with a 408). */
  headersTimeoutMs: number;
  /** A request (head and body) not fully received by then is closed (with a 408). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Connections beyond this many are refused (closed at once), so that descriptors remain for the stores. */
  maxConnections: number;
}

/**
 * What a small API server uses: a request head within 10 s (nginx gives 60 s, but bodies here are
 * at most a few MiB of XML), a whole request within 30 s, keep-alive idle for 5 s (Node's own
 * default), and connections capped at three quarters of the process's descriptor limit (the rest
 * is for the job and object files; 1,024 where the limit is unknown).
 */
export function connectionDefaults(): ConnectionLimits {
  return { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: defaultMaxConnections() };
}

function defaultMaxConnections(): number {
  try {
    const soft = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1];
    if (soft) return Math.max(16, Math.floor(Number(soft) * 0.75));
  } catch {
    // not Linux: no /proc
  }
  return 1_024;
}

export interface RunningServer {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  server: Server;
  jobs: JobService;
  objects: ObjectStore;
  /** The engine running the jobs, unless `runJobs` was false. */
  engine?: Engine;
  /** Stops accepting, answers the requests in flight, closes every connection, stops the engine. */
  close(): Promise<void>;
}

/** Starts batchplane's HTTP server; resolves once it accepts connections. */
export async function serve(options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const jobs = options.jobs ?? new JobService({ store: new MemoryJobStore() });
  const objects = options.objects ?? new MemoryObjectStore();
  const shutdown = new AbortController();
  const handler = createNodeHandler({
    signal: shutdown.signal,
    jobs,
    dialects: options.dialects ?? defaultDialects(objects),
    maxBodyBytes: options.maxBodyBytes,
    onResponse: options.log,
    credentials: options.credentials,
    objects,
    adminToken: options.adminToken,
  });
  // After the handler: it registers each dialect's lifecycle policy with the JobService.
  // A server checkpoints every second (the library's default is 30 s): after a crash, at most about
  // a second of finished tasks runs again, at the cost of one job write and one report part a second.
  // Work leases live next to the jobs: on disk beside an FsJobStore, else the engine's default (in
  // memory, per job store) unless the caller gives a lease store (a database's, shared by processes).
  // Beside a PostgresJobStore, in the same database; each process is then an owner of its own.
  const shared = jobs.store instanceof PostgresJobStore ? jobs.store : undefined;
  const leases =
    options.engine?.leases ??
    (jobs.store instanceof FsJobStore ? new FsWorkLeases(jobs.store.dir) : shared ? new PostgresWorkLeases({ database: shared.database }) : undefined);
  const owner = options.engine?.owner ?? (shared ? uniqueOwner() : undefined);
  const logger = options.logger;
  const onError =
    options.engine?.onError ??
    (logger && ((e: unknown, id?: string) => logger({ level: "error", event: "engine.error", message: `engine${id ? ` (job ${id})` : ""}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, fields: { jobId: id } })));
  const engine =
    options.runJobs === false
      ? undefined
      : new Engine({
          checkpointIntervalMs: SERVER_CHECKPOINT_INTERVAL_MS,
          ...options.engine,
          ...(onError ? { onError } : {}),
          ...(leases ? { leases } : {}),
          ...(owner ? { owner } : {}),
          jobs,
          objects,
        });
  const unlog = logger ? logJobLifecycle(jobs, logger) : undefined;
  const limits = { ...connectionDefaults(), ...options.connections };
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default, on top of them).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, limits.headersTimeoutMs / 4)),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 9090, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  if (engine && logger) await logResumedJobs(jobs, logger);
  engine?.start();
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(":") ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${port}`,
    server,
    jobs,
    objects,
    engine,
    close() {
      closing ??= new Promise<void>((resolve) => {
        // close() refuses new connections and drops idle keep-alive ones; busy ones end after
        // their response. A client that holds a connection open past the grace period is cut.
        const cut = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        cut.unref();
        server.close(() => {
          clearTimeout(cut);
          // Tasks in flight finish (and are recorded) before the engine says it stopped.
          void (engine ? engine.stop() : Promise.resolve()).finally(() => unlog?.()).then(resolve, resolve);
        });
        server.closeIdleConnections();
        shutdown.abort();
      });
      return closing;
    },
  };
}

/** One access-log line: time, method, target, status, duration, dialect, request id, error code, job. */
export function formatAccessLog(entry: AccessLogEntry, now = new Date()): string {
  return `${now.toISOString()} ${accessRecord(entry).message}`;
}
