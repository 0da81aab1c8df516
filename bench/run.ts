/**
 * `npm run bench`: the engine against a bare csv-parse pass over the same manifest, in one process.
 *
 *  1. A 1,000,000-line manifest, a PutObjectTagging job over the in-memory store with an AllTasks
 *     report, timed from Ready to Complete; the same manifest read by csv-parse alone. Prints
 *     `engine/csv-parse: <ratio>` (target ≤ 2.0) and the engine's tasks per second.
 *  2. A 10,000,000-line job over a store that only counts calls (the manifest is generated as it is
 *     read), printing `stream peak rss MB: <n>` (target ≤ 256). Run first, so that the process's
 *     peak RSS is this job's.
 *
 *  4. The filesystem stores at scale (bench/fs-scale.bench.ts): `listjobs ms per page, 20k jobs
 *     (fs)` (target ≤ 20, maxResults=1 ≤ 5) with the server's RSS, and `prefix job us per task, 10k
 *     vs 100k objects (fs)` (target: the 100k figure at most 1.3 times the 10k figure).
 *
 *  3. DescribeJob requests per second through batchplane's node server (S3 Control dialect) against a
 *     bare node:http server returning the same bytes, same client, same run (bench/http.bench.ts).
 *     Prints `http/static: <ratio>` (target ≥ 0.6), and `http/static (signed): <ratio>` (target
 *     ≥ 0.6): the same with SigV4 verification on.
 *  5. ListJobs pages over 100,000 jobs in a throwaway PostgreSQL (bench/postgres.bench.ts). Prints
 *     `listjobs ms per page, 100k jobs (postgres): <ms>` (target ≤ 10).
 *
 * Then, to say where the time goes: the store's own cost (the same putTagging calls, one after the
 * other, no engine) and the engine over the counting store (no store cost). Ratios are medians of
 * interleaved rounds, wall clock (CPU time alongside: on a shared machine it is the steadier one).
 *
 * Between measured runs the previous round's reports are deleted and, when node runs with
 * --expose-gc, garbage is collected, so that each run starts from the same heap.
 *
 * Options: BENCH_LINES (default 1e6), BENCH_STREAM_LINES (default 1e7), BENCH_ROUNDS (default 3).
 */
import { parse } from "csv-parse";
import { pipeline, Readable, Writable } from "node:stream";
import { promisify } from "node:util";
import { Engine, JobService, MemoryJobStore, MemoryObjectStore, type CreateJobInput, type Job } from "../src/index.js";
import { ManualClock } from "../src/core/clock.js";
import { SequentialIds } from "../src/core/ids.js";
import { CountingObjectStore } from "../src/testing/index.js";
import { printListJobs, printPrefix, runListJobsBench, runPrefixBench } from "./fs-scale.bench.js";
import { runHttpBench } from "./http.bench.js";
import { printPostgresBench, runPostgresBench } from "./postgres.bench.js";

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const STREAM_LINES = Number(process.env.BENCH_STREAM_LINES ?? 10_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TENANT = { dialect: "default", account: "123456789012", region: "us-east-1" };
const CHUNK = 64 * 1024;

const keyOf = (i: number) => `objects/key-${String(i).padStart(8, "0")}.dat`;

/** The manifest, produced chunk by chunk: never held whole. */
async function* manifestChunks(lines: number): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  let text = "";
  for (let i = 0; i < lines; i++) {
    text += `bench-data,${keyOf(i)}\n`;
    if (text.length >= CHUNK) {
      yield encoder.encode(text);
      text = "";
    }
  }
  if (text) yield encoder.encode(text);
}

function jobInput(token: string, report: CreateJobInput["report"], etag?: string, manifestKey = `${token}.csv`): CreateJobInput {
  return {
    clientRequestToken: token,
    priority: 10,
    confirmationRequired: false,
    role: "bench",
    operation: { type: "putTagging", tags: [{ key: "bench", value: "true" }] },
    manifest: { location: { bucket: "bench-manifests", key: manifestKey, etag }, format: "csv", fields: ["bucket", "key"] },
    report,
  };
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

interface Timing {
  ms: number;
  cpu: number;
}

/** Times Ready → Complete (wall clock and CPU) through the JobService's change feed. */
function timer(jobs: JobService) {
  let ready = 0;
  let cpuAtReady = process.cpuUsage();
  let timing: Timing = { ms: 0, cpu: 0 };
  let final: Job | undefined;
  jobs.subscribe((job, change) => {
    if (change.type !== "status") return;
    if (change.to === "Ready") {
      ready = performance.now();
      cpuAtReady = process.cpuUsage();
    }
    if (change.to === "Complete" || change.to === "Failed" || change.to === "Cancelled") {
      timing = { ms: performance.now() - ready, cpu: cpuMs(cpuAtReady) };
      final = job;
    }
  });
  return () => ({ ...timing, job: final! });
}

async function streamRun(): Promise<{ peakMb: number; ms: number; job: Job }> {
  const objects = new CountingObjectStore();
  objects.serve("bench-manifests", "stream.csv", () => manifestChunks(STREAM_LINES));
  const { ms, job } = await countingRun(objects, "stream", STREAM_LINES);
  return { peakMb: process.resourceUsage().maxRSS / 1024, ms, job };
}

/** A job over the counting store: the engine's own cost, no store behind it. */
async function countingRun(objects: CountingObjectStore, token: string, lines: number, manifestKey?: string): Promise<Timing & { job: Job }> {
  const clock = new ManualClock();
  const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
  const elapsed = timer(jobs);
  const engine = new Engine({ jobs, objects, clock });
  await jobs.createJob(TENANT, jobInput(token, { enabled: true, bucket: "bench-reports", prefix: token, scope: "AllTasks" }, undefined, manifestKey));
  await engine.runUntilIdle();
  const result = elapsed();
  if (result.job.status !== "Complete" || result.job.progress.succeeded !== lines) {
    throw new Error(`the ${token} job ended ${result.job.status} with ${result.job.progress.succeeded} tasks succeeded`);
  }
  return result;
}

async function bareParse(objects: MemoryObjectStore): Promise<Timing> {
  const { body } = await objects.get({ bucket: "bench-manifests", key: "tagging.csv" });
  let n = 0;
  const cpu = process.cpuUsage();
  const t = performance.now();
  await promisify(pipeline)(
    Readable.from(body),
    parse(),
    new Writable({
      objectMode: true,
      write(_record, _encoding, done) {
        n++;
        done();
      },
    }),
  );
  const timing = { ms: performance.now() - t, cpu: cpuMs(cpu) };
  if (n !== LINES) throw new Error(`csv-parse read ${n} records, expected ${LINES}`);
  return timing;
}

/** The store's share: the same putTagging calls the job makes, one after the other. */
async function storeOnly(objects: MemoryObjectStore): Promise<Timing> {
  const tags = [{ key: "bench", value: "again" }];
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < LINES; i++) await objects.putTagging({ bucket: "bench-data", key: keyOf(i) }, tags);
  return { ms: performance.now() - t, cpu: cpuMs(cpu) };
}

async function engineRun(objects: MemoryObjectStore, etag: string, round: number): Promise<Timing & { job: Job }> {
  const clock = new ManualClock();
  const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
  const elapsed = timer(jobs);
  const engine = new Engine({ jobs, objects, clock });
  const input = jobInput("tagging", { enabled: true, bucket: "bench-reports", prefix: `round-${round}`, scope: "AllTasks" }, etag);
  await jobs.createJob(TENANT, input);
  await engine.runUntilIdle();
  return elapsed();
}

/** Same heap for every run: drop the reports a run wrote, collect garbage when allowed. */
async function settle(objects: MemoryObjectStore): Promise<void> {
  for (;;) {
    const { objects: left } = await objects.list({ bucket: "bench-reports" });
    if (left.length === 0) break;
    for (const o of left) await objects.delete({ bucket: "bench-reports", key: o.key });
  }
  (globalThis as { gc?: () => void }).gc?.();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ratio = (a: Timing[], b: Timing[], k: keyof Timing) => median(a.map((x) => x[k])) / median(b.map((x) => x[k]));

// ---- 2 first: the process's peak RSS is then the streamed job's.
const stream = await streamRun();

// ---- 1
const objects = new MemoryObjectStore();
await objects.createBucket("bench-data");
await objects.createBucket("bench-manifests");
await objects.createBucket("bench-reports");
const empty = new Uint8Array();
for (let i = 0; i < LINES; i++) await objects.put({ bucket: "bench-data", key: keyOf(i), body: empty });
const { etag } = await objects.put({ bucket: "bench-manifests", key: "tagging.csv", body: manifestChunks(LINES) });
const counting = new CountingObjectStore();
counting.serve("bench-manifests", "tagging.csv", () => manifestChunks(LINES));

const parses: Timing[] = [];
const engines: Timing[] = [];
const stores: Timing[] = [];
const bare: Timing[] = [];
for (let round = 0; round < ROUNDS; round++) {
  await settle(objects);
  parses.push(await bareParse(objects));
  await settle(objects);
  const run = await engineRun(objects, etag, round);
  if (run.job.status !== "Complete" || run.job.progress.succeeded !== LINES) {
    throw new Error(`the job ended ${run.job.status} with ${run.job.progress.succeeded} tasks succeeded`);
  }
  engines.push(run);
  await settle(objects);
  stores.push(await storeOnly(objects));
  await settle(objects);
  bare.push(await countingRun(counting, `counting-${round}`, LINES, "tagging.csv"));
}
const wall = ratio(engines, parses, "ms");
console.log(`engine/csv-parse: ${wall.toFixed(2)}`);
console.log(`tasks per second: ${Math.round(LINES / (median(engines.map((e) => e.ms)) / 1000))}`);
console.log(`stream peak rss MB: ${Math.round(stream.peakMb)}`);
const list = (xs: Timing[]) => xs.map((x) => x.ms.toFixed(0)).join("/");
console.log(
  `(${LINES} tasks, ms per round: engine ${list(engines)}, csv-parse ${list(parses)}; ` +
    `CPU-time ratio ${ratio(engines, parses, "cpu").toFixed(2)}; ` +
    `of which the store's own calls ${ratio(stores, parses, "ms").toFixed(2)}, ` +
    `the engine over a store that only counts ${ratio(bare, parses, "ms").toFixed(2)}; ` +
    `${STREAM_LINES} streamed tasks in ${(stream.ms / 1000).toFixed(1)} s)`,
);

const http = await runHttpBench();
console.log(`http/static: ${http.ratio.toFixed(2)}`);
console.log(`(DescribeJob requests per second, median round: batchplane ${http.batchplane.toFixed(0)}, bare node:http ${http.bare.toFixed(0)})`);
console.log(`http/static (signed): ${http.signedRatio.toFixed(2)} (target ≥ 0.6)`);
console.log(`(with SigV4 verification: batchplane ${http.signed.toFixed(0)} DescribeJob requests per second)`);

printListJobs(await runListJobsBench());
printPrefix(await runPrefixBench());
printPostgresBench(await runPostgresBench());
