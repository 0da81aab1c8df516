/**
 * What durability costs: the filesystem stores against the memory stores, measured in one run
 * (ratios, not absolute numbers, are what to compare between machines).
 *
 *   npx tsx bench/stores.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobStore, ObjectStore } from "../src/core/ports.js";
import { FsJobStore } from "../src/stores/fs-job-store.js";
import { FsObjectStore } from "../src/stores/fs-object-store.js";
import { MemoryJobStore } from "../src/stores/memory-job-store.js";
import { MemoryObjectStore } from "../src/stores/memory-object-store.js";
import { sampleJob } from "../src/testing/conformance/job-store-suite.js";

async function rate(label: string, n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await op(i);
  const perSecond = n / ((performance.now() - start) / 1000);
  console.log(`${label.padEnd(44)} ${perSecond.toFixed(0).padStart(8)} /s`);
  return perSecond;
}

async function jobs(label: string, store: JobStore): Promise<number> {
  let job = sampleJob({ checkpoint: { position: 0, rows: 0 } });
  await store.insert(job);
  return rate(`JobStore.replace (checkpoint), ${label}`, 300, async (i) => {
    const next = { ...job, version: job.version + 1, checkpoint: { position: i, rows: i } };
    if (!(await store.replace(next, job.version))) throw new Error("lost a compare-and-set");
    job = next;
  });
}

async function objects(label: string, store: ObjectStore & { createBucket(b: string): Promise<void> }): Promise<[number, number, number]> {
  await store.createBucket("bench");
  const body = "x".repeat(4096);
  const put = await rate(`ObjectStore.put 4 KiB, ${label}`, 500, (i) => store.put({ bucket: "bench", key: `d${i % 10}/k${i}`, body }));
  const tag = await rate(`ObjectStore.putTagging, ${label}`, 500, (i) => store.putTagging({ bucket: "bench", key: `d${i % 10}/k${i}` }, [{ key: "t", value: "1" }]));
  const list = await rate(`ObjectStore.list (500 keys, pages of 100), ${label}`, 20, async () => {
    let token: string | undefined;
    do token = (await store.list({ bucket: "bench", maxKeys: 100, continuationToken: token })).continuationToken;
    while (token);
  });
  return [put, tag, list];
}

const dir = await mkdtemp(join(tmpdir(), "batchplane-bench-"));
try {
  const memJobs = await jobs("memory", new MemoryJobStore());
  const fsJobs = await jobs("fs, fsync", new FsJobStore({ dir: join(dir, "a") }));
  const fsJobsNoSync = await jobs("fs, no fsync", new FsJobStore({ dir: join(dir, "b"), fsync: false }));
  const mem = await objects("memory", new MemoryObjectStore());
  const fsObjects = await objects("fs", new FsObjectStore({ dir: join(dir, "c") }));
  console.log("\nratios, memory / filesystem:");
  console.log(`  job checkpoint   ${(memJobs / fsJobs).toFixed(1)}x (fsync), ${(memJobs / fsJobsNoSync).toFixed(1)}x (no fsync)`);
  console.log(`  object put       ${(mem[0] / fsObjects[0]).toFixed(1)}x`);
  console.log(`  object tagging   ${(mem[1] / fsObjects[1]).toFixed(1)}x`);
  console.log(`  object listing   ${(mem[2] / fsObjects[2]).toFixed(1)}x`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
