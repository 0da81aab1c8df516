/**
 * `npm run bench`: the engine against a bare csv-parse pass over the same manifest, in one process.
 *
 *  1. A 1,000,000-line manifest, a PutObjectTagging job over the in-memory store with an AllTasks
 *     report, timed from Ready to Complete; the same manifest read by csv-parse alone. Prints
 *     `engine/csv-parse: <ratio>` (target ≤ 2.0) and the engine's tasks per second.
 *  2. A 10,000,000-line job over a store that only counts calls (the manifest is generated as it is
 *     read), printing `stream peak rss MB: <n>` (target ≤ 256), and the same at 1,000,000 lines:
 *     `stream rss 10M/1M` (target ≤ 1.1, memory flat in the number of tasks). Each in a fresh
 *     process (bench/engine-profile.ts), so that its peak RSS is that job's alone.
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
 *  7. `scale-out x2` and `scale-out x4` (bench/scale-out.bench.ts): tasks/s of 2 and 4 engine
 *     processes over one PostgreSQL against 1, objects behind a store answering after 5 ms
 *     (targets ≥ 1.8 and ≥ 3.2).
 *  6. `store-bound (moto)` (bench/store-bound.bench.ts) and `fs tagging / durable writes`
 *     (bench/fs-tagging.bench.ts): a tagging job against the bare calls it makes.
 *
 * Every figure goes through bench/verdict.ts (rounds, median, spread, target, met or missed); the
 * run ends with the table of verdicts.
 *
 * Options: BENCH_LINES (default 1e6), BENCH_STREAM_LINES (default 1e7), BENCH_ROUNDS (default 3).
 */
import { MemoryObjectStore } from "../src/index.js";
import { CountingObjectStore } from "../src/testing/index.js";
import { bareParse, jobInput, keyOf, manifestChunks, manifestSize, settle, streamInFreshProcess, timedJob } from "./engine-jobs.js";
import { cpuMs, type Timing } from "./job-timing.js";
import { printListJobs, printPrefix, runListJobsBench, runPrefixBench } from "./fs-scale.bench.js";
import { runHttpBench } from "./http.bench.js";
import { runStoreBoundBench } from "./store-bound.bench.js";
import { runFsTaggingBench } from "./fs-tagging.bench.js";
import { runPostgresBench } from "./postgres.bench.js";
import { printScaleOutBench, runScaleOutBench } from "./scale-out.bench.js";
import { figure, median, printVerdicts, ratios, ROUNDS } from "./verdict.js";

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const STREAM_LINES = Number(process.env.BENCH_STREAM_LINES ?? 10_000_000);

/** The store's share: the same putTagging calls the job makes, one after the other. */
async function storeOnly(objects: MemoryObjectStore): Promise<Timing> {
  const tags = [{ key: "bench", value: "again" }];
  const cpu = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < LINES; i++) await objects.putTagging({ bucket: "bench-data", key: keyOf(i) }, tags);
  return { ms: performance.now() - t, cpu: cpuMs(cpu) };
}

const ratio = (a: Timing[], b: Timing[], k: keyof Timing) => median(a.map((x) => x[k])) / median(b.map((x) => x[k]));

// ---- 2: each streamed job in a process of its own.
const small = streamInFreshProcess(STREAM_LINES / 10);
const stream = streamInFreshProcess(STREAM_LINES);

// ---- 1
const objects = new MemoryObjectStore();
await objects.createBucket("bench-data");
await objects.createBucket("bench-manifests");
await objects.createBucket("bench-reports");
const empty = new Uint8Array();
for (let i = 0; i < LINES; i++) await objects.put({ bucket: "bench-data", key: keyOf(i), body: empty });
const { etag } = await objects.put({ bucket: "bench-manifests", key: "tagging.csv", body: manifestChunks(LINES) });
const counting = new CountingObjectStore();
// Its size, so that its manifest parses where the memory store's does (on the CSV worker, above 1 MiB).
counting.serve("bench-manifests", "tagging.csv", () => manifestChunks(LINES), undefined, manifestSize(LINES));

const parses: Timing[] = [];
const engines: Timing[] = [];
const stores: Timing[] = [];
const bare: Timing[] = [];
for (let round = 0; round < ROUNDS; round++) {
  await settle(objects);
  parses.push(await bareParse(objects, LINES));
  await settle(objects);
  engines.push(await timedJob(objects, jobInput("tagging", `round-${round}`, "tagging.csv", etag), LINES));
  await settle(objects);
  stores.push(await storeOnly(objects));
  await settle(objects);
  bare.push(await timedJob(counting, jobInput(`counting-${round}`, `counting-${round}`, "tagging.csv"), LINES));
}
figure("engine/csv-parse", ratios(engines.map((e) => e.ms), parses.map((p) => p.ms)), { atMost: 2.0 });
figure("tasks per second", engines.map((e) => LINES / (e.ms / 1000)), { atLeast: 300_000, digits: 0 });
figure("stream peak rss MB", stream.peakMb, { atMost: 256, digits: 0, note: `${STREAM_LINES} streamed tasks in ${(stream.ms / 1000).toFixed(1)} s` });
figure(`stream rss 10M/1M`, stream.peakMb / small.peakMb, { atMost: 1.1, note: `peak RSS ${Math.round(stream.peakMb)} MB for ${STREAM_LINES} tasks, ${Math.round(small.peakMb)} MB for ${STREAM_LINES / 10}` });
const list = (xs: Timing[]) => xs.map((x) => x.ms.toFixed(0)).join("/");
console.log(
  `(${LINES} tasks, ms per round: engine ${list(engines)}, csv-parse ${list(parses)}; ` +
    `CPU-time ratio ${ratio(engines, parses, "cpu").toFixed(2)}; ` +
    `of which the store's own calls ${ratio(stores, parses, "ms").toFixed(2)}, ` +
    `the engine over a store that only counts ${ratio(bare, parses, "ms").toFixed(2)})`,
);

const http = await runHttpBench();
// http.bench.ts gives the median of its own interleaved rounds (BENCH_ROUNDS, default 5).
figure("http/static", http.ratio, { atLeast: 0.9, note: `DescribeJob requests per second, median round: batchplane ${http.batchplane.toFixed(0)}, bare node:http ${http.bare.toFixed(0)}` });
figure("http/static (signed)", http.signedRatio, { atLeast: 0.6, note: `with SigV4 verification: batchplane ${http.signed.toFixed(0)} requests per second` });

await runStoreBoundBench();
await runFsTaggingBench();
printListJobs(await runListJobsBench());
printPrefix(await runPrefixBench());
const pg = await runPostgresBench();
figure("listjobs ms per page, 100k jobs (postgres)", pg.big, {
  atMost: 10,
  note: `median of ${pg.pages} pages of 1,000 through JobService.listJobs; a page of 1,000 over 1,000 jobs ${pg.small.toFixed(2)} ms, of 100 over 100k ${pg.big100.toFixed(2)} ms`,
});

printScaleOutBench(await runScaleOutBench());

await printVerdicts();
