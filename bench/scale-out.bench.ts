/**
 * Scale-out over one PostgreSQL: the tasks per second of one PutObjectTagging job run by 2 and by 4
 * engine processes, over the same job run by 1. Prints `scale-out x2` (target ≥ 1.8) and
 * `scale-out x4` (target ≥ 3.2).
 *
 * Each process is a real one (child_process.fork of this file), with its own pool, change feed and
 * engine (fixed concurrency), sharing the jobs and the work units in one PostgreSQL schema a trial.
 * Objects are behind a store that answers every call after 5 ms, latency-bound like a real cloud
 * (each process has its own in-memory copy of the same manifest and objects, so the store itself
 * is never the limit): a process runs at most CONCURRENCY / 5 ms tasks a second, and the figure
 * says how much of that PostgreSQL and the sharing of work (claims, steps, counters, change-feed
 * wake-ups) leave.
 *
 * A trial's rate is the job's tasks over its active window: from the first task begun in any
 * process to the last task ended (preparing the job before and writing its report after are
 * once-per-job steps, not a rate). Trials of 1, 2 and 4 processes are interleaved, rounds times,
 * and each figure is the ratio of medians. The CPU time of the worker processes a task is printed
 * beside it (the machine is shared: CPU is the steadier figure).
 *
 * Runs on its own: `npx tsx bench/scale-out.bench.ts`. Options: BENCH_SCALE_TASKS (default
 * 16,000), BENCH_SCALE_ROUNDS (default 2), BENCH_SCALE_CONCURRENCY (default 8), BENCH_SCALE_SIZES
 * (default 1,2,4), BENCH_SCALE_DEBUG=1 (prints PostgreSQL's statement and row counts after each
 * trial: how much the sharing costs the database), BENCH_SCALE_PROF=dir (CPU profiles of the workers).
 */
import { fork, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Engine, JobService, MemoryObjectStore, type CreateJobInput, type ObjectStore } from "../src/index.js";
import { PgDatabase, PostgresJobStore, PostgresWorkLeases, uniqueOwner } from "../src/stores/postgres/index.js";
import { startPostgres } from "../test/support/postgres.js";
import { figure } from "./verdict.js";

const TASKS = Number(process.env.BENCH_SCALE_TASKS ?? 16_000);
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_SCALE_CONCURRENCY ?? 8);
const LATENCY_MS = 5;
const SIZES = (process.env.BENCH_SCALE_SIZES ?? "1,2,4").split(",").map(Number);
/** The engine's settings in every process: a unit a few hundred tasks, so that 4 processes share the job's end evenly. */
const ENGINE = { concurrency: CONCURRENCY, unitSize: 200, unitsPerClaim: 1, checkpointEvery: 1_000, checkpointIntervalMs: 1_000, leaseMs: 30_000 };
const TENANT = { dialect: "default", account: "123456789012", region: "us-east-1" };
const SELF = fileURLToPath(import.meta.url);
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

const manifest = (tasks: number) => Array.from({ length: tasks }, (_, i) => `bench-data,obj-${String(i).padStart(7, "0")}\n`).join("");

// ------------------------------------------------------------------ the worker process

/** Every call answers after `ms`, as a cloud store's round trip would; putTagging calls are timed. */
function latencyStore(inner: ObjectStore, ms: number, timing: { tasks: number; first: number; last: number }): ObjectStore {
  const wait = () => new Promise((resolve) => setTimeout(resolve, ms));
  return new Proxy(inner, {
    get(target, name) {
      const value: unknown = Reflect.get(target, name, target);
      if (typeof value !== "function") return value;
      const call = value as (...args: unknown[]) => Promise<unknown>;
      if (name !== "putTagging") return async (...args: unknown[]) => (await wait(), call.apply(target, args));
      return async (...args: unknown[]) => {
        const began = performance.timeOrigin + performance.now();
        if (timing.tasks === 0 || began < timing.first) timing.first = began;
        await wait();
        const result = await call.apply(target, args);
        timing.tasks++;
        timing.last = Math.max(timing.last, performance.timeOrigin + performance.now());
        return result;
      };
    },
  });
}

async function worker(url: string, schema: string, tasks: number): Promise<void> {
  const objects = new MemoryObjectStore({ buckets: ["bench-data", "bench-manifests", "bench-reports"] });
  await objects.put({ bucket: "bench-manifests", key: "scale.csv", body: manifest(tasks) });
  for (let i = 0; i < tasks; i++) await objects.put({ bucket: "bench-data", key: `obj-${String(i).padStart(7, "0")}`, body: "x" });
  const timing = { tasks: 0, first: 0, last: 0 };
  const database = new PgDatabase({ connectionString: url, schema });
  const store = new PostgresJobStore({ database, resyncIntervalMs: 1_000 });
  const jobs = new JobService({ store });
  const engine = new Engine({
    ...ENGINE,
    jobs,
    objects: latencyStore(objects, LATENCY_MS, timing),
    leases: new PostgresWorkLeases({ database }),
    owner: uniqueOwner(),
    onError: (e) => console.error(`worker ${process.pid}:`, e),
  });
  await store.open();
  engine.start();
  await store.watching();
  const profile = process.env.BENCH_SCALE_PROF ? await profiled(process.env.BENCH_SCALE_PROF) : undefined;
  const cpu = process.cpuUsage();
  process.on("message", async (m: { type: string }) => {
    if (m.type === "stats") {
      const used = process.cpuUsage(cpu);
      await profile?.();
      process.send!({ type: "stats", ...timing, cpuMs: (used.user + used.system) / 1000 });
    } else if (m.type === "exit") {
      void engine
        .stop()
        .then(() => store.close())
        .finally(() => process.exit(0));
    }
  });
  process.send!({ type: "ready" });
}

/** Profiles this process's CPU from now on; the returned function writes the profile into `dir`. */
async function profiled(dir: string): Promise<() => Promise<void>> {
  const { Session } = await import("node:inspector/promises");
  const { writeFile } = await import("node:fs/promises");
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    await writeFile(`${dir}/worker-${process.pid}.cpuprofile`, JSON.stringify(profile));
  };
}

// ------------------------------------------------------------------ the parent

interface Stats {
  tasks: number;
  first: number;
  last: number;
  cpuMs: number;
}

interface Trial {
  processes: number;
  tasksPerSecond: number;
  /** Worker CPU µs a task, summed over the processes. */
  cpuUsPerTask: number;
  /** Tasks run by each process, and when each began and ended its tasks (ms from the first task begun anywhere). */
  shares: number[];
  spans: [number, number][];
  /** From the job's creation to Complete, ms. */
  endToEndMs: number;
}

function message<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off("message", onMessage);
      resolve(m as T);
    };
    child.on("message", onMessage);
    child.once("exit", (code) => reject(new Error(`a worker exited (${code}) before sending ${type}`)));
  });
}

async function trial(url: string, processes: number, schema: string): Promise<Trial> {
  const children = Array.from({ length: processes }, () =>
    fork(SELF, ["worker", url, schema, String(TASKS)], { execArgv: ["--import", TSX_LOADER], stdio: ["ignore", "inherit", "inherit", "ipc"] }),
  );
  const store = new PostgresJobStore({ connectionString: url, schema });
  try {
    await Promise.all(children.map((c) => message(c, "ready")));
    const jobs = new JobService({ store });
    const input: CreateJobInput = {
      clientRequestToken: schema,
      priority: 10,
      confirmationRequired: false,
      role: "bench",
      operation: { type: "putTagging", tags: [{ key: "bench", value: "true" }] },
      manifest: {
        location: { bucket: "bench-manifests", key: "scale.csv", etag: createHash("md5").update(manifest(TASKS)).digest("hex") },
        format: "csv",
        fields: ["bucket", "key"],
      },
      report: { enabled: true, bucket: "bench-reports", prefix: "scale", scope: "AllTasks" },
    };
    const created = performance.now();
    const { job } = await jobs.createJob(TENANT, input);
    for (;;) {
      const now = await store.get(job.id);
      if (now && ["Complete", "Failed", "Cancelled"].includes(now.status)) {
        if (now.status !== "Complete" || now.progress.succeeded !== TASKS) {
          throw new Error(`the job ended ${now.status} with ${now.progress.succeeded}/${TASKS} tasks succeeded`);
        }
        break;
      }
      if (performance.now() - created > 600_000) throw new Error("the job did not finish within 10 minutes");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const endToEndMs = performance.now() - created;
    if (process.env.BENCH_SCALE_DEBUG) {
      const pg = (await import("pg")).default;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      const t = await c.query(`SELECT relname, seq_scan, idx_scan, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE schemaname = $1`, [schema]);
      const d = await c.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'`);
      console.log(processes, JSON.stringify(t.rows), d.rows[0]);
      await c.end();
    }
    const stats = await Promise.all(
      children.map((c) => {
        const answer = message<Stats>(c, "stats");
        c.send({ type: "stats" });
        return answer;
      }),
    );
    const ran = stats.filter((s) => s.tasks > 0);
    const start = Math.min(...ran.map((s) => s.first));
    const windowMs = Math.max(...ran.map((s) => s.last)) - start;
    const tasks = stats.reduce((n, s) => n + s.tasks, 0);
    return {
      processes,
      tasksPerSecond: (tasks / windowMs) * 1000,
      cpuUsPerTask: (stats.reduce((n, s) => n + s.cpuMs, 0) * 1000) / tasks,
      shares: stats.map((s) => s.tasks),
      spans: ran.map((s) => [s.first - start, s.last - start]),
      endToEndMs,
    };
  } finally {
    await store.close().catch(() => undefined);
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
            c.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            c.send({ type: "exit" });
          }),
      ),
    );
  }
}

export interface ScaleOutBench {
  /** Tasks/s of 2 processes over 1, and of 4 over 1 (ratios of medians). */
  x2: number;
  x4: number;
  trials: Trial[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runScaleOutBench(): Promise<ScaleOutBench> {
  const cluster = await startPostgres();
  try {
    const trials: Trial[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved: each round runs every size once, in a changing order.
      const sizes = round % 2 === 0 ? SIZES : [...SIZES].reverse();
      for (const n of sizes) trials.push(await trial(cluster.url, n, `scale_r${round}_p${n}`));
    }
    const rate = (n: number) => median(trials.filter((t) => t.processes === n).map((t) => t.tasksPerSecond));
    return { x2: rate(2) / rate(1), x4: rate(4) / rate(1), trials };
  } finally {
    await cluster.stop();
  }
}

export function printScaleOutBench(r: ScaleOutBench): void {
  figure("scale-out x2", r.x2, { atLeast: 1.8 });
  figure("scale-out x4", r.x4, { atLeast: 3.2 });
  for (const n of SIZES) {
    const ts = r.trials.filter((t) => t.processes === n);
    console.log(
      `(${n} process${n > 1 ? "es" : ""}: ` +
        ts
          .map(
            (t) =>
              `${Math.round(t.tasksPerSecond)} tasks/s, ${t.cpuUsPerTask.toFixed(0)} µs CPU a task, ` +
              `shares ${t.shares.join("/")} over ${t.spans.map(([a, b]) => `${Math.round(a)}-${Math.round(b)}`).join("/")} ms, ` +
              `${(t.endToEndMs / 1000).toFixed(1)} s created to Complete`,
          )
          .join("; ") +
        `; ${TASKS} tasks, engine concurrency ${CONCURRENCY} a process, a store answering after ${LATENCY_MS} ms: at most ${Math.round((CONCURRENCY / LATENCY_MS) * 1000)} tasks/s a process)`,
    );
  }
}

if (process.argv[1] === SELF) {
  if (process.argv[2] === "worker") await worker(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
  else printScaleOutBench(await runScaleOutBench());
}
