/**
 * `fs tagging / durable writes` (issue 16.4): a PutObjectTagging job over the FsObjectStore with
 * `fsync: true` (a task done is a tag on the device) against a bare loop that writes as many small
 * files durably, the least a durable tag can cost: write a temporary file, fsync it, rename it into
 * one of 256 directories (as the store spreads its sidecars), fsync that directory. Same concurrency
 * (the engine's default, 32), same run, rounds interleaved. The figure is the job's tasks per second
 * over the bare loop's files per second (median of the per-round ratios); target ≥ 0.8.
 *
 * The job store is in memory and the job writes no report: the figure is the object store's.
 *
 * Run alone: `npx tsx bench/fs-tagging.bench.ts` (BENCH_FS_TASKS, default 2000; BENCH_ROUNDS).
 */
import { constants, promises as fs } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsObjectStore } from "../src/stores/fs-object-store.js";
import type { ObjectStore } from "../src/index.js";
import { cpuMs, jobVersusBare, tagJob, type Timing } from "./job-timing.js";
import { interleave, printVerdicts, ROUNDS } from "./verdict.js";

const TASKS = Number(process.env.BENCH_FS_TASKS ?? 2000);
const CONCURRENCY = 32;
const keyOf = (round: number, i: number) => `objects/round${round}/key-${String(i).padStart(6, "0")}.dat`;

const jobRound = (store: ObjectStore, round: number, etag: string) =>
  tagJob(store, { token: `fs-${round}`, manifest: { bucket: "data", key: `manifest-${round}.csv`, etag }, tasks: TASKS, concurrency: CONCURRENCY });

/** What one durable small write costs at least: write, fsync, rename, fsync the directory. */
async function durableWrite(tmpDir: string, target: string, data: string): Promise<void> {
  const tmp = join(tmpDir, `${Math.random().toString(36).slice(2)}.tmp`);
  const handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, target);
  const dir = await fs.open(join(target, ".."), constants.O_RDONLY);
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function bareRound(dir: string, round: number): Promise<Timing> {
  // A sidecar's size: the key, one version with its tags and ACL.
  const data = JSON.stringify({ key: keyOf(0, 0), versions: [{ versionId: "null", etag: "d41d8cd98f00b204e9800998ecf8427e", size: 0, tags: [{ key: "round", value: String(round) }], acl: { canned: "private" } }] });
  const cpu = process.cpuUsage();
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TASKS) {
        const i = next++;
        await durableWrite(join(dir, "tmp"), join(dir, (i % 256).toString(16).padStart(2, "0"), `${i}.json`), data);
      }
    }),
  );
  return { ms: performance.now() - t, cpu: cpuMs(cpu) };
}

export async function runFsTaggingBench(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "batchplane-bench-fs-tagging-"));
  try {
    const bare = join(dir, "bare");
    await fs.mkdir(join(bare, "tmp"), { recursive: true });
    for (let i = 0; i < 256; i++) await fs.mkdir(join(bare, i.toString(16).padStart(2, "0")));
    // Objects written through the store (so that each has its sidecar and ETag), fresh ones for
    // each round: a job tags an object once, so no round finds the tags of a previous one.
    const setup = new FsObjectStore({ dir: join(dir, "store"), fsync: false, buckets: ["data"] });
    const etags: string[] = [];
    for (let round = -1; round < ROUNDS; round++) {
      for (let i = 0; i < TASKS; i += 200) {
        await Promise.all(Array.from({ length: Math.min(200, TASKS - i) }, (_, k) => setup.put({ bucket: "data", key: keyOf(round, i + k), body: "0123456789" })));
      }
      let manifest = "";
      for (let i = 0; i < TASKS; i++) manifest += `data,${keyOf(round, i)}\n`;
      etags.push((await setup.put({ bucket: "data", key: `manifest-${round}.csv`, body: manifest })).etag);
    }
    await setup.close();
    const store = new FsObjectStore({ dir: join(dir, "store"), fsync: true });
    await jobRound(store, -1, etags[0]!); // warm (JIT)
    await bareRound(bare, -1);
    const r = await interleave(ROUNDS, { job: (i) => jobRound(store, i, etags[i + 1]!), bare: (i) => bareRound(bare, i) });
    jobVersusBare("fs tagging / durable writes", 0.8, TASKS, r, `tasks, concurrency ${CONCURRENCY}`);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runFsTaggingBench();
  await printVerdicts();
}
