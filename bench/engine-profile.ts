/**
 * The engine's figures of `npm run bench` (sections 1 and 2), alone and measured the same way, for
 * working on the engine: `engine/csv-parse` and tasks per second (a PutObjectTagging job over the
 * in-memory store against a bare csv-parse pass, interleaved rounds, medians), and the peak RSS of
 * a streamed job over a store that only counts calls, at 1M and 10M tasks, each in a fresh process
 * (so that maxRSS is that job's alone).
 *
 *   npx tsx bench/engine-profile.ts                  # both
 *   npx tsx bench/engine-profile.ts rounds           # engine/csv-parse only
 *   npx tsx bench/engine-profile.ts stream 10000000  # one streamed job, this process
 *   npx tsx bench/engine-profile.ts profile /tmp    # a CPU profile of one engine run alone
 *   npx tsx bench/engine-profile.ts parse            # the engine's CSV parse alone, in-thread and on the worker
 *                                                    # (BENCH_BATCH: its batch size, default 4096)
 *
 * Options: BENCH_LINES (default 1e6), BENCH_ROUNDS (default 3), BENCH_STREAM_SIZES (default
 * "1000000,10000000"), BENCH_CSV_WORKER=0 to parse every manifest in-thread (the figures without
 * the CSV worker thread, for comparison).
 */
import { MemoryObjectStore } from "../src/index.js";
import { csvWorker } from "../src/core/manifest/csv-worker-client.js";
import { csvLayout, parseRecords } from "../src/core/manifest/index.js";
import { cpuMs } from "./job-timing.js";
import { CountingObjectStore } from "../src/testing/index.js";
import { bareParse, jobInput, keyOf, manifestChunks, manifestSize, settle, streamInFreshProcess, timedJob, type Timing } from "./engine-jobs.js";
import { median } from "./verdict.js";

const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
if (process.env.BENCH_CSV_WORKER === "0") csvWorker.minBytes = Number.POSITIVE_INFINITY;
async function stream(lines: number): Promise<void> {
  const objects = new CountingObjectStore();
  objects.serve("bench-manifests", "stream.csv", () => manifestChunks(lines), undefined, manifestSize(lines));
  const t = await timedJob(objects, jobInput("stream", "stream", "stream.csv"), lines);
  console.log(JSON.stringify({ lines, peakMb: process.resourceUsage().maxRSS / 1024, ms: t.ms, cpu: t.cpu, reportBytes: objects.bytesWritten }));
}

async function rounds(): Promise<void> {
  const objects = new MemoryObjectStore();
  for (const b of ["bench-data", "bench-manifests", "bench-reports"]) await objects.createBucket(b);
  const empty = new Uint8Array();
  for (let i = 0; i < LINES; i++) await objects.put({ bucket: "bench-data", key: keyOf(i), body: empty });
  const { etag } = await objects.put({ bucket: "bench-manifests", key: "tagging.csv", body: manifestChunks(LINES) });
  const counting = new CountingObjectStore();
  counting.serve("bench-manifests", "tagging.csv", () => manifestChunks(LINES), undefined, manifestSize(LINES));
  const parses: Timing[] = [];
  const engines: Timing[] = [];
  const bare: Timing[] = [];
  // BENCH_CSV_WORKER=both: each round also runs the engine's job with the manifest parsed in-thread.
  const both = process.env.BENCH_CSV_WORKER === "both";
  const inThread: Timing[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await settle(objects);
    parses.push(await bareParse(objects, LINES));
    await settle(objects);
    engines.push(await timedJob(objects, jobInput("tagging", `round-${round}`, "tagging.csv", etag), LINES));
    if (both) {
      await settle(objects);
      const minBytes = csvWorker.minBytes;
      csvWorker.minBytes = Number.POSITIVE_INFINITY;
      inThread.push(await timedJob(objects, jobInput(`in-thread-${round}`, `in-thread-${round}`, "tagging.csv", etag), LINES));
      csvWorker.minBytes = minBytes;
    }
    await settle(objects);
    bare.push(await timedJob(counting, jobInput(`counting-${round}`, `counting-${round}`, "tagging.csv"), LINES));
  }
  const m = (xs: Timing[], k: keyof Timing) => median(xs.map((x) => x[k]));
  const list = (xs: Timing[], k: keyof Timing) => xs.map((x) => x[k].toFixed(0)).join("/");
  console.log(`engine/csv-parse: ${(m(engines, "ms") / m(parses, "ms")).toFixed(2)} (CPU ${(m(engines, "cpu") / m(parses, "cpu")).toFixed(2)})`);
  console.log(`tasks per second: ${Math.round(LINES / (m(engines, "ms") / 1000))}`);
  console.log(`engine over the counting store / csv-parse: ${(m(bare, "ms") / m(parses, "ms")).toFixed(2)} (CPU ${(m(bare, "cpu") / m(parses, "cpu")).toFixed(2)})`);
  if (both) {
    console.log(`engine/csv-parse, the manifest parsed in-thread: ${(m(inThread, "ms") / m(parses, "ms")).toFixed(2)} (CPU ${(m(inThread, "cpu") / m(parses, "cpu")).toFixed(2)}; ms per round ${list(inThread, "ms")} cpu ${list(inThread, "cpu")})`);
  }
  console.log(`(ms per round: engine ${list(engines, "ms")} cpu ${list(engines, "cpu")}; csv-parse ${list(parses, "ms")} cpu ${list(parses, "cpu")}; counting ${list(bare, "ms")} cpu ${list(bare, "cpu")})`);
}

/**
 * The engine's own parse (parseRecords) of a BENCH_LINES manifest consumed alone, in-thread and on
 * the worker, interleaved: wall, process CPU (both threads) and the main thread's busy time (its
 * event loop's active time), the cost the worker leaves on the thread that runs the tasks.
 */
async function parse(): Promise<void> {
  const objects = new MemoryObjectStore();
  await objects.createBucket("bench-manifests");
  await objects.put({ bucket: "bench-manifests", key: "m.csv", body: manifestChunks(LINES) });
  const layout = csvLayout(["bucket", "key"]);
  // 4096 as preparation reads; the engine's run reads batches of its batchSize (512 by default).
  const BATCH = Number(process.env.BENCH_BATCH ?? 4096);
  const rows: Record<string, { ms: number; cpu: number; main: number }[]> = { "in-thread": [], worker: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const inWorker of [false, true]) {
      (globalThis as { gc?: () => void }).gc?.();
      const open = async () => (await objects.get({ bucket: "bench-manifests", key: "m.csv" })).body;
      const cpu = process.cpuUsage();
      const elu = performance.eventLoopUtilization();
      const t = performance.now();
      let n = 0;
      for await (const batch of parseRecords(open, { layout, batchSize: BATCH, inWorker })) n += batch.length;
      if (n !== LINES) throw new Error(`parsed ${n} records, expected ${LINES}`);
      const ms = performance.now() - t;
      rows[inWorker ? "worker" : "in-thread"]!.push({ ms, cpu: cpuMs(cpu), main: performance.eventLoopUtilization(elu).active });
    }
  }
  for (const [name, xs] of Object.entries(rows)) {
    const med = (k: "ms" | "cpu" | "main") => median(xs.map((x) => x[k]));
    console.log(
      `parseRecords ${name}: ${med("ms").toFixed(0)} ms wall, ${med("cpu").toFixed(0)} ms CPU, main thread busy ${med("main").toFixed(0)} ms = ${((med("main") * 1e6) / LINES).toFixed(0)} ns a record (rounds ${xs.map((x) => x.ms.toFixed(0)).join("/")})`,
    );
  }
}

/** One engine run over the seeded memory store under the inspector's profiler: only the job, not the seeding. */
async function profile(dir: string): Promise<void> {
  const { Session } = await import("node:inspector/promises");
  const { writeFile } = await import("node:fs/promises");
  const objects = new MemoryObjectStore();
  for (const b of ["bench-data", "bench-manifests", "bench-reports"]) await objects.createBucket(b);
  const empty = new Uint8Array();
  for (let i = 0; i < LINES; i++) await objects.put({ bucket: "bench-data", key: keyOf(i), body: empty });
  const { etag } = await objects.put({ bucket: "bench-manifests", key: "tagging.csv", body: manifestChunks(LINES) });
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  const t = await timedJob(objects, jobInput("tagging", "profiled", "tagging.csv", etag), LINES);
  const { profile } = await session.post("Profiler.stop");
  const file = `${dir}/engine-${Date.now()}.cpuprofile`;
  await writeFile(file, JSON.stringify(profile));
  console.log(`${LINES} tasks in ${t.ms.toFixed(0)} ms (CPU ${t.cpu.toFixed(0)} ms); profile: ${file}`);
}

const [mode, arg] = process.argv.slice(2);
if (mode === "stream") await stream(Number(arg));
else if (mode === "profile") await profile(arg ?? ".");
else if (mode === "parse") await parse();
else {
  if (mode === undefined || mode === "rounds") await rounds();
  if (mode === undefined || mode === "streams") {
    const sizes = (process.env.BENCH_STREAM_SIZES ?? "1000000,10000000").split(",").map(Number);
    const peaks: Record<number, number> = {};
    for (const n of sizes) {
      const r = streamInFreshProcess(n);
      peaks[n] = r.peakMb;
      console.log(`stream peak rss MB, ${n} tasks: ${Math.round(r.peakMb)} (${(r.ms / 1000).toFixed(1)} s, CPU ${(r.cpu / 1000).toFixed(1)} s)`);
    }
    if (sizes.length === 2) console.log(`stream rss ${sizes[1]}/${sizes[0]}: ${(peaks[sizes[1]!]! / peaks[sizes[0]!]!).toFixed(2)}`);
  }
}
