/**
 * `store-bound (moto)` (issue 16.3): a job over an S3-compatible store must cost no more than the
 * calls it makes. moto's S3 server (`python3 -m moto.server`, started as the tests start it) holds
 * N objects; each round runs, interleaved:
 *
 *  - the job: PutObjectTagging over every object of an N-line CSV manifest (read from moto), through
 *    the engine (default concurrency 32) over an S3ObjectStore, timed from Ready to Complete;
 *  - the bare loop: the same N PutObjectTagging calls through a plain AWS SDK S3Client (its default
 *    settings), 32 in flight, plus the one GetObject of the manifest.
 *
 * The figure is the job's tasks per second over the bare loop's calls per second (median round of
 * the per-round ratios); target ≥ 0.9. moto's server (werkzeug) answers every request with
 * `Connection: close`, so each call on either side opens a TCP connection of its own: keep-alive,
 * which the SDK's default agent has, cannot show here. The job writes no report (a report is one more PUT, which
 * the bare loop would then have to make too). CPU time of this process is printed beside: moto runs
 * in its own process, so this process's CPU is what the client side costs.
 *
 * Run alone: `npx tsx bench/store-bound.bench.ts` (BENCH_MOTO_TASKS, default 2000; BENCH_ROUNDS).
 */
import { GetObjectCommand, PutObjectCommand, PutObjectTaggingCommand, S3Client, CreateBucketCommand } from "@aws-sdk/client-s3";
import { S3ObjectStore } from "../src/stores/s3-object-store.js";
import { startMoto } from "../test/support/moto.js";
import type { ObjectStore } from "../src/index.js";
import { cpuMs, jobVersusBare, tagJob, type Timing } from "./job-timing.js";
import { interleave, printVerdicts, ROUNDS } from "./verdict.js";

const TASKS = Number(process.env.BENCH_MOTO_TASKS ?? 2000);
const CONCURRENCY = 32;
const BUCKET = "bench-data";
const keyOf = (i: number) => `objects/key-${String(i).padStart(6, "0")}.dat`;

const jobRound = (store: ObjectStore, round: number, etag: string) =>
  tagJob(store, { token: `moto-${round}`, manifest: { bucket: BUCKET, key: "manifest.csv", etag }, tasks: TASKS, concurrency: CONCURRENCY });

async function bareRound(client: S3Client, round: number): Promise<Timing> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const manifest = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "manifest.csv" }));
  await manifest.Body!.transformToByteArray();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TASKS) {
        const i = next++;
        await client.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: keyOf(i), Tagging: { TagSet: [{ Key: "round", Value: `bare-${round}` }] } }));
      }
    }),
  );
  return { ms: performance.now() - t, cpu: cpuMs(cpu) };
}

export async function runStoreBoundBench(): Promise<void> {
  const moto = await startMoto();
  try {
    const config = { endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "bench", secretAccessKey: "bench" } };
    const client = new S3Client(config);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    let manifest = "";
    for (let i = 0; i < TASKS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, TASKS - i) }, (_, k) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(i + k), Body: new Uint8Array(0), ContentLength: 0 }))),
      );
    }
    for (let i = 0; i < TASKS; i++) manifest += `${BUCKET},${keyOf(i)}\n`;
    const { ETag } = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "manifest.csv", Body: manifest }));
    const etag = (ETag ?? "").replace(/"/g, "");
    const store = new S3ObjectStore(config);
    // Warm both sides (JIT, sockets, moto's own caches) on a round each, unmeasured.
    await jobRound(store, -1, etag);
    await bareRound(client, -1);
    const r = await interleave(ROUNDS, { job: (i) => jobRound(store, i, etag), bare: (i) => bareRound(client, i) });
    jobVersusBare("store-bound (moto)", 0.9, TASKS, r, `PutObjectTagging, concurrency ${CONCURRENCY}`);
    client.destroy();
  } finally {
    await moto.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runStoreBoundBench();
  await printVerdicts();
}
