import { appendFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateBucketCommand, GetObjectTaggingCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateJobCommand, DescribeJobCommand, S3ControlClient, UpdateJobStatusCommand, type JobDescriptor } from "@aws-sdk/client-s3-control";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../dialects/s3-control/index.js";
import { S3ObjectStore } from "../../src/stores/s3-object-store.js";
import { readReport } from "../../src/testing/report.js";
import { ACCOUNT, tagJobInput } from "../dialects/s3-control/support.js";
import { runTs, type RunningProcess } from "../support/cli.js";
import { startMoto, type MotoServer } from "../support/moto.js";
import { until } from "../support/poll.js";
import { startPostgres, type PostgresCluster } from "../support/postgres.js";

/**
 * Several `batchplane serve --postgres` processes over one PostgreSQL and one moto: they share the
 * jobs (any of them answers any request) and the work (units of the manifest under leases).
 */
const SERVER = resolve(__dirname, "fixtures/pg-server.ts");
/** In the 20,000-object test, every SAMPLEth object's tagging goes to moto (and is checked there). */
const SAMPLE = 40;
const CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

let moto: MotoServer;
let cluster: PostgresCluster;
let scratch: string;
let s3: S3Client;
beforeAll(async () => {
  [moto, cluster] = await Promise.all([startMoto(), startPostgres()]);
  scratch = await mkdtemp(join(tmpdir(), "batchplane-scale-out-"));
  s3 = new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true, credentials: CREDENTIALS });
}, 120_000);
afterAll(async () => {
  s3?.destroy();
  await moto?.stop();
  await cluster?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const started: RunningProcess[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
});

interface Server {
  process: RunningProcess;
  pid: string;
  client: S3ControlClient;
}

/** A server process; each test's processes share a schema of their own. */
async function startServer(log: string, apply: "moto" | `sample:${number}`, schema: string): Promise<Server> {
  const server = runTs(SERVER, [cluster.url, moto.endpoint, log, apply, schema], { cwd: scratch, stdinPipe: true });
  started.push(server);
  const [, url, pid] = await server.waitFor(/^listening (\S+) (\d+)\n/);
  return { process: server, pid: pid!, client: new S3ControlClient({ ...localEndpointConfig(url!), maxAttempts: 1 }) };
}

/** A manifest of `count` objects in moto, and the buckets around it; the objects themselves (every `createEvery`th of them). */
async function objects(prefix: string, count: number, createEvery = 1): Promise<{ keys: string[]; etag: string; manifestKey: string }> {
  for (const bucket of ["data", "manifests", "reports"]) await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
  const keys = Array.from({ length: count }, (_, i) => `${prefix}/obj-${String(i).padStart(5, "0")}`);
  await inBatches(
    keys.filter((_, i) => i % createEvery === 0),
    (Key) => s3.send(new PutObjectCommand({ Bucket: "data", Key, Body: "x" })),
  );
  const manifestKey = `${prefix}.csv`;
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: "manifests", Key: manifestKey, Body: keys.map((k) => `data,${k}\n`).join("") }));
  return { keys, etag: ETag!.replace(/"/g, ""), manifestKey };
}

async function inBatches<T>(items: readonly string[], call: (item: string) => Promise<T>, size = 50): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(call))));
  return out;
}

/** The keys among `keys` whose object in moto does not carry the job's tag. */
async function untagged(keys: readonly string[]): Promise<string[]> {
  const tags = await inBatches(keys, async (Key) => ({ Key, set: (await s3.send(new GetObjectTaggingCommand({ Bucket: "data", Key }))).TagSet }));
  return tags.filter((t) => JSON.stringify(t.set) !== JSON.stringify([{ Key: "confidential", Value: "true" }])).map((t) => t.Key);
}

async function describeJob(client: S3ControlClient, id: string): Promise<JobDescriptor> {
  return (await client.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: id }))).Job!;
}

const finished = (client: S3ControlClient, id: string, timeoutMs: number) =>
  until(
    "the job to finish",
    async () => {
      const job = await describeJob(client, id).catch(() => undefined);
      return job && ["Complete", "Failed", "Cancelled"].includes(job.Status!) ? job : undefined;
    },
    { timeoutMs, everyMs: 250 },
  );

type Entry = { kind: "B" | "E" | "K"; pid: string; key: string };
async function readLog(path: string): Promise<Entry[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [kind, pid, key] = line.split(" ") as [Entry["kind"], string, string];
      return { kind, pid, key: key ?? "" };
    });
}

/**
 * Tasks that ran on two live processes at once: a task begun (B) on one process while another
 * process had begun it and had neither ended it (E) nor been killed (K) yet.
 */
function overlaps(entries: readonly Entry[]): string[] {
  const open = new Map<string, Set<string>>();
  const dead = new Set<string>();
  const found: string[] = [];
  for (const e of entries) {
    if (e.kind === "K") {
      dead.add(e.pid);
      continue;
    }
    const running = open.get(e.key) ?? new Set<string>();
    open.set(e.key, running);
    if (e.kind === "B") {
      const others = [...running].filter((pid) => pid !== e.pid && !dead.has(pid));
      if (others.length > 0) found.push(`${e.key} on ${e.pid} while on ${others.join(", ")}`);
      running.add(e.pid);
    } else running.delete(e.pid);
  }
  return found;
}

describe("the applied-log's check", () => {
  it("catches a task begun on one live process while another runs it, and not one taken over from a killed process", () => {
    const e = (kind: Entry["kind"], pid: string, key = "k"): Entry => ({ kind, pid, key });
    expect(overlaps([e("B", "1"), e("B", "2"), e("E", "1"), e("E", "2")])).toEqual(["k on 2 while on 1"]);
    expect(overlaps([e("B", "1"), e("E", "1"), e("B", "2"), e("E", "2")])).toEqual([]);
    expect(overlaps([e("B", "1"), e("K", "1", "-"), e("B", "2"), e("E", "2")])).toEqual([]);
  });
});

describe("three processes over one PostgreSQL and moto", () => {
  it("run one job of 20,000 objects together, one of them SIGKILLed mid-job: every object processed, one report row a task, no task on two live processes at once", async () => {
    // The tagging calls are the applied-log's lines and a 5 ms wait each; those of every 40th
    // object also go to moto (see the fixture: moto cannot take 20,000 of them within the test's
    // time). The manifest and the report are in moto, the jobs and the work units in PostgreSQL.
    const { keys, etag, manifestKey } = await objects("big", 20_000, SAMPLE);
    const log = join(scratch, "applied.log");
    const servers = await Promise.all([0, 1, 2].map(() => startServer(log, `sample:${SAMPLE}`, "three")));
    const [a, b, c] = servers as [Server, Server, Server];

    // Created through one, confirmed through another.
    const { JobId } = await a.client.send(
      new CreateJobCommand({
        ...tagJobInput(),
        ConfirmationRequired: true,
        ClientRequestToken: "three-processes",
        Manifest: { Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] }, Location: { ObjectArn: `arn:aws:s3:::manifests/${manifestKey}`, ETag: etag } },
      }),
    );
    const id = JobId!;
    await until("the job to wait for confirmation", async () => ((await describeJob(b.client, id)).Status === "Suspended" ? true : undefined), { timeoutMs: 60_000 });
    await b.client.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: id, RequestedJobStatus: "Ready" }));

    // Mid-job, once the third process has tasks of its own under way: SIGKILL it.
    await until(
      "the third process to be working",
      async () => {
        const entries = await readLog(log);
        return entries.filter((e) => e.kind === "E").length > 3_000 && entries.some((e) => e.pid === c.pid && e.kind === "B") ? true : undefined;
      },
      { timeoutMs: 180_000, everyMs: 200 },
    );
    c.process.child.kill("SIGKILL");
    await c.process.exited;
    appendFileSync(log, `K ${c.pid} -\n`);
    c.client.destroy();

    const done = await finished(a.client, id, 240_000);
    expect(done.Status).toBe("Complete");
    expect(done.ProgressSummary).toMatchObject({ TotalNumberOfTasks: keys.length, NumberOfTasksSucceeded: keys.length, NumberOfTasksFailed: 0 });
    expect((await describeJob(b.client, id)).Status).toBe("Complete");

    const entries = await readLog(log);
    // Every object processed; no task on two live processes at once; the work was shared.
    const applied = new Set(entries.filter((e) => e.kind === "E").map((e) => e.key));
    expect(keys.filter((k) => !applied.has(k))).toEqual([]);
    expect(overlaps(entries)).toEqual([]);
    const byProcess = (pid: string) => entries.filter((e) => e.kind === "E" && e.pid === pid).length;
    for (const s of servers) expect(byProcess(s.pid), `tasks on process ${s.pid}`).toBeGreaterThan(0);

    // The sampled objects carry the tag in moto, whichever process (or the one that took over from
    // the killed one) ran them.
    const sampled = keys.filter((_, i) => i % SAMPLE === 0);
    expect(sampled.length).toBe(500);
    expect(await untagged(sampled)).toEqual([]);

    // One report row a task, in manifest order.
    const store = new S3ObjectStore({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true, credentials: CREDENTIALS });
    const report = (await readReport(store, { id, report: { enabled: true, bucket: "reports", prefix: "batch-op", scope: "AllTasks" } } as never))!;
    expect(report.rows.length).toBe(keys.length);
    expect(report.rows.map((r) => r.key)).toEqual(keys);
    expect(report.rows.every((r) => r.status === "succeeded")).toBe(true);
    expect(report.files.every((f) => f.md5Matches)).toBe(true);

    for (const s of [a, b]) {
      s.client.destroy();
      expect(await s.process.stop()).toBe(0);
    }
  }, 600_000);

  it("finishes a running job when PostgreSQL restarts under it: nothing lost or doubled in the report", async () => {
    const { keys, etag, manifestKey } = await objects("restart", 1_000);
    const log = join(scratch, "restart.log");
    const server = await startServer(log, "moto", "restart");
    const { JobId } = await server.client.send(
      new CreateJobCommand({
        ...tagJobInput(),
        ClientRequestToken: "postgres-restart",
        Manifest: { Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] }, Location: { ObjectArn: `arn:aws:s3:::manifests/${manifestKey}`, ETag: etag } },
      }),
    );
    const id = JobId!;
    await until("the job to be under way", async () => ((await readLog(log)).filter((e) => e.kind === "E").length > 100 ? true : undefined), {
      timeoutMs: 120_000,
      everyMs: 100,
    });
    await cluster.restart();

    const done = await finished(server.client, id, 240_000);
    expect(done.Status).toBe("Complete");
    expect(done.ProgressSummary).toMatchObject({ TotalNumberOfTasks: keys.length, NumberOfTasksSucceeded: keys.length, NumberOfTasksFailed: 0 });
    const store = new S3ObjectStore({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true, credentials: CREDENTIALS });
    const report = (await readReport(store, { id, report: { enabled: true, bucket: "reports", prefix: "batch-op", scope: "AllTasks" } } as never))!;
    expect(report.rows.map((r) => r.key)).toEqual(keys);
    expect(report.rows.every((r) => r.status === "succeeded")).toBe(true);
    const applied = new Set((await readLog(log)).filter((e) => e.kind === "E").map((e) => e.key));
    expect(keys.filter((k) => !applied.has(k))).toEqual([]);
    expect(await untagged(keys.filter((_, i) => i % 5 === 0 || i === keys.length - 1))).toEqual([]);
    server.client.destroy();
    expect(await server.process.stop()).toBe(0);
  }, 600_000);
});
