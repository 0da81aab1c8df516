/**
 * The engine's benchmark jobs, shared by bench/engine-profile.ts (and meant for bench/run.ts, whose
 * sections 1 and 2 run the same ones): the generated manifest, the job, a timed run Ready →
 * Complete, the bare csv-parse pass.
 */
import { parse } from "csv-parse";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pipeline, Readable, Writable } from "node:stream";
import { promisify } from "node:util";
import { Engine, JobService, MemoryJobStore, MemoryObjectStore, type CreateJobInput } from "../src/index.js";
import { ManualClock } from "../src/core/clock.js";
import { SequentialIds } from "../src/core/ids.js";
import type { CountingObjectStore } from "../src/testing/index.js";
import { cpuMs, timer, type Timing } from "./job-timing.js";

export type { Timing };

export const TENANT = { dialect: "default", account: "123456789012", region: "us-east-1" };
const CHUNK = 64 * 1024;

export const keyOf = (i: number) => `objects/key-${String(i).padStart(8, "0")}.dat`;

/**
 * The manifest of `lines` lines as a store would stream it: chunks of bytes of about 64 KiB, each
 * written in place from one line's template (only the index's digits change), so that making the
 * manifest leaves no strings for the collector, as a file or socket read would not.
 */
export async function* manifestChunks(lines: number): AsyncGenerator<Uint8Array> {
  const template = new TextEncoder().encode(`bench-data,${keyOf(0)}\n`);
  const digitsAt = "bench-data,objects/key-".length; // the index's 8 digits follow
  const perChunk = Math.floor(CHUNK / template.length);
  for (let first = 0; first < lines; first += perChunk) {
    const n = Math.min(perChunk, lines - first);
    const chunk = new Uint8Array(n * template.length);
    for (let j = 0; j < n; j++) {
      const at = j * template.length;
      chunk.set(template, at);
      for (let i = first + j, d = at + digitsAt + 7; i > 0; i = Math.floor(i / 10), d--) chunk[d] = 0x30 + (i % 10);
    }
    yield chunk;
  }
}

/** The size of `manifestChunks(lines)` in bytes (every line is as long while indexes have 8 digits). */
export const manifestSize = (lines: number) => lines * `bench-data,${keyOf(0)}\n`.length;

export function jobInput(token: string, prefix: string, manifestKey: string, etag?: string): CreateJobInput {
  return {
    clientRequestToken: token,
    priority: 10,
    confirmationRequired: false,
    role: "bench",
    operation: { type: "putTagging", tags: [{ key: "bench", value: "true" }] },
    manifest: { location: { bucket: "bench-manifests", key: manifestKey, etag }, format: "csv", fields: ["bucket", "key"] },
    report: { enabled: true, bucket: "bench-reports", prefix, scope: "AllTasks" },
  };
}

/** Ready → Complete of one job through a fresh engine; throws unless every task succeeded. */
export async function timedJob(objects: MemoryObjectStore | CountingObjectStore, input: CreateJobInput, lines: number): Promise<Timing> {
  const clock = new ManualClock();
  const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
  const elapsed = timer(jobs);
  const engine = new Engine({ jobs, objects, clock });
  await jobs.createJob(TENANT, input);
  await engine.runUntilIdle();
  const { job, ...timing } = elapsed();
  if (job?.status !== "Complete" || job.progress.succeeded !== lines) throw new Error(`the job ended ${job?.status} with ${job?.progress.succeeded} succeeded`);
  return timing;
}

export async function bareParse(objects: MemoryObjectStore, lines: number): Promise<Timing> {
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
  if (n !== lines) throw new Error(`csv-parse read ${n} records, expected ${lines}`);
  return { ms: performance.now() - t, cpu: cpuMs(cpu) };
}

export async function settle(objects: MemoryObjectStore): Promise<void> {
  for (;;) {
    const { objects: left } = await objects.list({ bucket: "bench-reports" });
    if (left.length === 0) break;
    for (const o of left) await objects.delete({ bucket: "bench-reports", key: o.key });
  }
  (globalThis as { gc?: () => void }).gc?.();
}



/**
 * One streamed job of `lines` tasks over a store that only counts calls, in a fresh process of
 * bench/engine-profile.ts, so that its peak RSS is that job's alone.
 */
export function streamInFreshProcess(lines: number): { peakMb: number; ms: number; cpu: number } {
  const script = fileURLToPath(new URL("./engine-profile.ts", import.meta.url));
  const child = spawnSync(process.execPath, ["--import", "tsx", script, "stream", String(lines)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (child.status !== 0) throw new Error(`the streamed job of ${lines} tasks exited ${child.status ?? child.signal}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!) as { peakMb: number; ms: number; cpu: number };
}
