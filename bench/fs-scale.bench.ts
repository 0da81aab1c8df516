/**
 * The filesystem stores at scale (issue 12.8 and 12.9), in one run:
 *
 *  1. `listjobs ms per page, 20k jobs (fs)`: 20,000 jobs of one account in a data directory, a
 *     batchplane server (S3 Control dialect over the FsJobStore, in a child process of its own,
 *     so that its RSS is its own) answering ListJobs: a page of 100, a page of 1 (`maxResults=1`),
 *     a page deep into the listing (by nextToken), and an account with no jobs. Median of rounds.
 *     Targets: ≤ 20 ms a page, ≤ 5 ms with maxResults=1. The server's RSS is printed beside.
 *  2. `prefix job us per task, 10k vs 100k objects (fs)`: a PutObjectTagging job over every object
 *     of a flat bucket (a generated manifest: the engine lists the bucket page by page), over the
 *     FsObjectStore, timed from Ready to Complete. Target: the 100k figure at most 1.3 times the
 *     10k figure (a page costs in proportion to the page, so the job is linear in the bucket).
 *
 * Run alone: `npx tsx bench/fs-scale.bench.ts` (BENCH_JOBS, BENCH_SMALL, BENCH_LARGE to change sizes).
 */
import { fork } from "node:child_process";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { Agent } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Engine, JobService } from "../src/index.js";
import { ManualClock } from "../src/core/clock.js";
import { SequentialIds } from "../src/core/ids.js";
import { FsJobStore } from "../src/stores/fs-job-store.js";
import { FsObjectStore } from "../src/stores/fs-object-store.js";
import { MemoryJobStore } from "../src/stores/memory-job-store.js";
import { sampleJob } from "../src/testing/conformance/job-store-suite.js";
import { figure, median, printVerdicts } from "./verdict.js";

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const SMALL = Number(process.env.BENCH_SMALL ?? 10_000);
const LARGE = Number(process.env.BENCH_LARGE ?? 100_000);
const ROUNDS = 15;
export const ACCOUNT = "123456789012";


// ---------------------------------------------------------------- 1. ListJobs

/** The server's side: runs in a child process (see runListJobsBench). */
async function listJobsServer(dir: string): Promise<void> {
  const { serve } = await import("../src/server/serve.js");
  const { s3ControlDialect } = await import("../dialects/s3-control/index.js");
  const store = new FsJobStore({ dir, fsync: false });
  await store.open(); // the index is built here, at start
  const jobs = new JobService({ store });
  const running = await serve({ port: 0, runJobs: false, jobs, dialects: [s3ControlDialect()] });
  process.send!({ port: Number(new URL(running.url).port) });
  process.on("message", (m) => {
    if (m === "rss") process.send!({ rssMb: process.memoryUsage().rss / 1024 / 1024 });
    // The same pages without HTTP and XML: what the JobService and the store cost.
    if (m === "service") {
      void (async () => {
        const tenant = { dialect: "s3-control", account: ACCOUNT, region: "us-east-1" };
        const times = async (request: { maxResults: number }) => {
          const t: number[] = [];
          for (let i = 0; i < ROUNDS; i++) {
            const start = performance.now();
            await jobs.listJobs(tenant, request);
            t.push(performance.now() - start);
          }
          return median(t);
        };
        process.send!({ page100: await times({ maxResults: 100 }), page1: await times({ maxResults: 1 }) });
      })();
    }
  });
}

function get(port: number, agent: Agent, path: string, account = ACCOUNT): Promise<string> {
  return new Promise((done, fail) => {
    const req = request({ host: "127.0.0.1", port, path, agent, headers: { "x-amz-account-id": account } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => (res.statusCode === 200 ? done(text) : fail(new Error(`ListJobs answered ${res.statusCode}: ${text}`))));
    });
    req.on("error", fail);
    req.end();
  });
}

async function timed(port: number, agent: Agent, path: string, account?: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    await get(port, agent, path, account);
    times.push(performance.now() - t);
  }
  return times;
}

export async function runListJobsBench(): Promise<{ page100: number[]; page1: number[]; deep: number; empty: number; page1000: number; rssMb: number; service: { page100: number; page1: number } }> {
  const dir = await mkdtemp(join(tmpdir(), "batchplane-bench-listjobs-"));
  const server = fork(fileURLToPath(import.meta.url), ["listjobs-server", dir], { execArgv: ["--import", "tsx"], stdio: "inherit" });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const seed = new FsJobStore({ dir, fsync: false });
    const tenant = { dialect: "s3-control", account: ACCOUNT, region: "us-east-1" };
    const insert = (i: number) =>
      seed.insert(
        sampleJob({
          id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
          tenant,
          clientRequestToken: `bench-${i}`,
          creationTime: Date.UTC(2026, 0, 1) + i * 1000,
          status: i % 2 ? "Complete" : "Suspended",
        }),
      );
    for (let i = 0; i < JOBS; i += 50) await Promise.all(Array.from({ length: Math.min(50, JOBS - i) }, (_, k) => insert(i + k)));
    await seed.close();
    server.send("start");
    const { port } = await new Promise<{ port: number }>((resolve, reject) => {
      server.once("message", (m) => resolve(m as { port: number }));
      server.once("exit", (code) => reject(new Error(`the benchmark server exited (${code})`)));
    });
    await timed(port, agent, "/v20180820/jobs?maxResults=100"); // warm
    const page100 = await timed(port, agent, "/v20180820/jobs?maxResults=100");
    const page1 = await timed(port, agent, "/v20180820/jobs?maxResults=1");
    const deepToken = `00000000-0000-4000-8000-${String(Math.floor(JOBS / 2)).padStart(12, "0")}`;
    const deep = median(await timed(port, agent, `/v20180820/jobs?maxResults=100&nextToken=${deepToken}`));
    const empty = median(await timed(port, agent, "/v20180820/jobs", "210987654321"));
    const page1000 = median(await timed(port, agent, "/v20180820/jobs"));
    server.send("service");
    const service = await new Promise<{ page100: number; page1: number }>((resolve) => server.once("message", (m) => resolve(m as { page100: number; page1: number })));
    server.send("rss");
    const { rssMb } = await new Promise<{ rssMb: number }>((resolve) => server.once("message", (m) => resolve(m as { rssMb: number })));
    return { page100, page1, deep, empty, page1000, rssMb, service };
  } finally {
    agent.destroy();
    server.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- 2. a prefix job

async function prefixJobUsPerTask(objects: number): Promise<{ us: number; listUs: number }> {
  const dir = await mkdtemp(join(tmpdir(), "batchplane-bench-prefix-"));
  try {
    const flat = join(dir, "flat");
    await mkdir(flat);
    for (let i = 0; i < objects; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, objects - i) }, (_, k) => writeFile(join(flat, `obj-${String(i + k).padStart(7, "0")}`), "")));
    }
    // A bucket at rest: a directory written within the last 2 s is read afresh for each page (see bucket-walk.ts).
    const past = new Date(Date.now() - 60_000);
    await utimes(flat, past, past);
    const store = new FsObjectStore({ dir, fsync: false, buckets: ["reports"] });
    const clock = new ManualClock();
    const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
    let ready = 0;
    let elapsed = 0;
    jobs.subscribe((_job, change) => {
      if (change.type !== "status") return;
      if (change.to === "Ready") ready = performance.now();
      if (change.to === "Complete") elapsed = performance.now() - ready;
    });
    const { job } = await jobs.createJob(
      { dialect: "default", account: ACCOUNT, region: "us-east-1" },
      {
        clientRequestToken: `prefix-${objects}`,
        priority: 1,
        confirmationRequired: false,
        role: "bench",
        operation: { type: "putTagging", tags: [{ key: "bench", value: "1" }] },
        generator: { sourceBucket: "flat" },
        report: { enabled: false },
      },
    );
    await new Engine({ jobs, objects: store, clock }).runUntilIdle();
    const done = (await jobs.get(job.id))!;
    if (done.status !== "Complete" || done.progress.succeeded !== objects) {
      throw new Error(`the prefix job ended ${done.status} with ${done.progress.succeeded} of ${objects} tasks succeeded`);
    }
    // The listing's share: the same pages, listed alone.
    const listStart = performance.now();
    let token: string | undefined;
    do token = (await store.list({ bucket: "flat", maxKeys: 1000, continuationToken: token })).continuationToken;
    while (token);
    const listUs = ((performance.now() - listStart) * 1000) / objects;
    await store.close();
    return { us: (elapsed * 1000) / objects, listUs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runPrefixBench(): Promise<{ small: number; large: number; ratio: number; listSmall: number; listLarge: number }> {
  const small = await prefixJobUsPerTask(SMALL);
  const large = await prefixJobUsPerTask(LARGE);
  return { small: small.us, large: large.us, ratio: large.us / small.us, listSmall: small.listUs, listLarge: large.listUs };
}

export function printListJobs(r: Awaited<ReturnType<typeof runListJobsBench>>): void {
  figure(`listjobs ms per page, ${JOBS / 1000}k jobs (fs)`, r.page100, { atMost: 20, digits: 1, note: `server RSS MB: ${Math.round(r.rssMb)}` });
  figure(`listjobs ms per page, ${JOBS / 1000}k jobs (fs), maxResults=1`, r.page1, { atMost: 5, digits: 1 });
  console.log(
    `(page of 100 after a nextToken half-way: ${r.deep.toFixed(1)} ms; an account with no jobs: ${r.empty.toFixed(1)} ms; a full page of 1000: ${r.page1000.toFixed(1)} ms; ` +
      `the same pages of 100 and 1 in the JobService and the store alone, no HTTP or XML: ${r.service.page100.toFixed(1)} and ${r.service.page1.toFixed(2)} ms; medians of ${ROUNDS})`,
  );
}

export function printPrefix(r: Awaited<ReturnType<typeof runPrefixBench>>): void {
  figure(`prefix job us per task, ${SMALL / 1000}k vs ${LARGE / 1000}k objects (fs)`, r.ratio, {
    atMost: 1.3,
    note: `${r.small.toFixed(0)} vs ${r.large.toFixed(0)} us per task; listing the bucket, pages of 1000, us per key: ${r.listSmall.toFixed(0)} vs ${r.listLarge.toFixed(0)}`,
  });
}

if (process.argv[2] === "listjobs-server") {
  process.once("message", () => void listJobsServer(process.argv[3]!));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  printListJobs(await runListJobsBench());
  printPrefix(await runPrefixBench());
  await printVerdicts();
}
