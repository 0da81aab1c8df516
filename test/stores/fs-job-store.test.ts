import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { s3ControlDialect } from "../../dialects/s3-control/index.js";
import { Engine, JobService, type Job } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { SequentialIds } from "../../src/core/ids.js";
import { createFetchHandler } from "../../src/server/index.js";
import { FsJobStore } from "../../src/stores/fs-job-store.js";
import { MemoryObjectStore } from "../../src/stores/memory-object-store.js";
import { sampleJob } from "../../src/testing/conformance/job-store-suite.js";
import { seedManifest } from "../../src/testing/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "batchplane-fsjobs-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const byId = () => join(dir, ".batchplane", "jobs", "by-id");
const byToken = () => join(dir, ".batchplane", "jobs", "by-token");

describe("FsJobStore on disk", () => {
  it("keeps a job as one directory of version files under <dir>/.batchplane/jobs, pruning old versions", async () => {
    const store = new FsJobStore({ dir });
    let job = sampleJob({ id: "00000000-0000-4000-8000-000000000001" });
    await store.insert(job);
    for (let i = 0; i < 6; i++) {
      const next = { ...job, version: job.version + 1 };
      expect(await store.replace(next, job.version)).toBe(true);
      job = next;
    }
    expect(await readdir(byId())).toEqual([job.id]);
    expect((await readdir(join(byId(), job.id))).sort()).toEqual(["4.json", "5.json", "6.json", "7.json"]);
    expect(await readdir(byToken())).toHaveLength(1);
  });

  it("removes at start the empty job directory a process killed during CreateJob left (issue 12.5)", async () => {
    const first = new FsJobStore({ dir });
    const kept = sampleJob({ id: "00000000-0000-4000-8000-000000000001" });
    await first.insert(kept);
    await first.close();
    // What an insert killed between making the job's directory and linking its first version leaves.
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(byId(), "00000000-0000-4000-8000-00000000dead"));
    const next = new FsJobStore({ dir });
    await next.open();
    expect(await readdir(byId())).toEqual([kept.id]);
    expect((await next.get(kept.id))?.id).toBe(kept.id);
    await next.close();
  });

  it("takes over a token whose insert died before writing its job", async () => {
    const store = new FsJobStore({ dir });
    const job = sampleJob();
    await store.insert(sampleJob()); // creates the directories
    const tokens = new Set(await readdir(byToken()));
    // Insert the job, then undo its job directory: what a process killed between the two writes leaves.
    await store.insert(job);
    const orphan = (await readdir(byToken())).find((t) => !tokens.has(t))!;
    await rm(join(byId(), job.id), { recursive: true });
    const old = new Date(Date.now() - 60_000);
    await utimes(join(byToken(), orphan), old, old);
    await store.close(); // as if its process had died

    const fresh = new FsJobStore({ dir });
    expect(await fresh.findByToken(job.tenant, job.clientRequestToken)).toBeUndefined();
    const retry = sampleJob({ clientRequestToken: job.clientRequestToken });
    expect(await fresh.insert(retry)).toEqual({ inserted: true });
    expect(await fresh.findByToken(job.tenant, job.clientRequestToken)).toEqual(retry);
  });

});

const TENANT = { dialect: "s3-control", account: "123456789012", region: "us-east-1" };
const OTHER = { ...TENANT, account: "210987654321" };

/** A store whose log lines are kept. */
function logged(options: { fsync?: boolean } = {}) {
  const lines: string[] = [];
  return { store: new FsJobStore({ dir, fsync: options.fsync ?? false, log: (m) => lines.push(m) }), lines };
}

describe("a damaged job file affects only its own job (issue 12.1)", () => {
  const damage = {
    truncated: (text: string) => text.slice(0, Math.floor(text.length / 2)),
    garbled: () => "\u0000\u00ff{{ not json",
    "wrong-shaped": () => JSON.stringify({ hello: "world" }),
  };
  for (const [kind, spoil] of Object.entries(damage)) {
    it(`a ${kind} newest version: the job is read at its newest whole version, and the next write follows the damaged one`, async () => {
      const { store, lines } = logged();
      const job = sampleJob({ id: "job-a" });
      await store.insert(job);
      expect(await store.replace({ ...job, version: 2, priority: 7 }, 1)).toBe(true);
      const file = join(byId(), "job-a", "2.json");
      await writeFile(file, spoil(await readFile(file, "utf8")));

      const read = (await new FsJobStore({ dir, log: (m) => lines.push(m) }).get("job-a"))!;
      expect(read.priority).toBe(job.priority); // version 1's content
      expect(read.version).toBe(2); // numbered after the damaged file, so that the next write can follow it
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(file);
      const reopened = new FsJobStore({ dir, log: (m) => lines.push(m) });
      expect(await reopened.replace({ ...read, version: 3, priority: 9 }, 2)).toBe(true);
      expect((await new FsJobStore(dir).get("job-a"))!.priority).toBe(9);
    });
  }

  it("a job with no readable version is left out of every listing and scan, reported once with its path; every other job is listed and resumed", async () => {
    const lines: string[] = [];
    const store = new FsJobStore({ dir, fsync: false, log: (m) => lines.push(m) });
    const objects = new MemoryObjectStore();
    await objects.createBucket("data");
    await objects.put({ bucket: "data", key: "k", body: "x" });
    await objects.createBucket("reports");
    const manifest = await seedManifest(objects, { bucket: "manifests", key: "m.csv" }, [["data", "k"]]);
    const clock = new ManualClock();
    const jobs = new JobService({ store, clock, ids: new SequentialIds() });
    const input = (token: string) => ({
      clientRequestToken: token,
      priority: 10,
      confirmationRequired: false,
      role: "arn:aws:iam::123456789012:role/batch",
      operation: { type: "putTagging" as const, tags: [{ key: "t", value: "1" }] },
      manifest,
      report: { enabled: true, bucket: "reports", prefix: "r", scope: "AllTasks" as const },
    });
    const good = (await jobs.createJob(TENANT, input("good"))).job;
    const bad = (await jobs.createJob(TENANT, input("bad"))).job;
    const elsewhere = (await jobs.createJob(OTHER, input("other"))).job;
    const badFile = join(byId(), bad.id, "1.json");
    await writeFile(badFile, '{"id": "trunc');
    await store.close();

    // As after a restart: a new process reads the directory.
    const fresh = new FsJobStore({ dir, fsync: false, log: (m) => lines.push(m) });
    const service = new JobService({ store: fresh, clock, ids: new SequentialIds() });
    expect((await service.listJobs(TENANT)).jobs.map((j) => j.id)).toEqual([good.id]);
    expect((await service.listJobs(OTHER)).jobs.map((j) => j.id)).toEqual([elsewhere.id]);
    expect((await fresh.scan(["New"])).map((j) => j.id).sort()).toEqual([good.id, elsewhere.id].sort());
    await expect(service.describeJob(TENANT, bad.id)).rejects.toThrow(/does not exist/);

    // The wire answers ListJobs (not a 500) for every account.
    const handler = createFetchHandler({ jobs: service, dialects: [s3ControlDialect()] });
    const res = await handler(new Request("http://localhost/v20180820/jobs", { headers: { "x-amz-account-id": TENANT.account } }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(good.id);

    // The engine runs every other job.
    await new Engine({ jobs: service, objects, clock }).runUntilIdle();
    expect((await service.describeJob(TENANT, good.id)).status).toBe("Complete");
    expect((await service.describeJob(OTHER, elsewhere.id)).status).toBe("Complete");
    const reports = lines.filter((l) => l.includes(badFile));
    expect(reports).toHaveLength(1);
    await fresh.close();
  });
});

describe("one writing process per data directory (issue 12.4)", () => {
  const holder = `
    import { FsJobStore } from ${JSON.stringify(join(__dirname, "../../src/stores/fs-job-store.ts"))};
    const store = new FsJobStore(process.argv[1]);
    await store.open();
    process.stdout.write("holding\\n");
    process.stdin.on("end", () => process.exit(0)).resume();
  `;
  function startHolder() {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", holder, dir], { stdio: ["pipe", "pipe", "pipe"] });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const holding = new Promise<void>((resolve, reject) => {
      let err = "";
      child.stderr.on("data", (c: Buffer) => (err += c.toString()));
      child.stdout.on("data", (c: Buffer) => c.toString().includes("holding") && resolve());
      child.on("exit", (code) => reject(new Error(`the holder exited (${code}): ${err}`)));
    });
    return { child, holding, exited };
  }

  it("a second process is refused with a message that names the holder; a killed holder's lock is taken over", async () => {
    const first = startHolder();
    await first.holding;
    const second = new FsJobStore(dir);
    await expect(second.open()).rejects.toThrow(new RegExp(`data directory ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is in use by another batchplane process \\(pid ${first.child.pid} `));
    await expect(second.insert(sampleJob())).rejects.toThrow(/in use by another batchplane process/);
    // Reading is still allowed: an operator may look at a directory a server is using.
    expect(await second.list({ tenant: TENANT, limit: 10 })).toEqual([]);

    first.child.kill("SIGKILL");
    await first.exited;
    const third = new FsJobStore(dir);
    await third.open(); // the dead process's lock does not stay stuck
    expect(await third.insert(sampleJob())).toEqual({ inserted: true });
    await third.close();
    await second.close();
  }, 30_000);

  it("stores of one process share the lock, and close() lets another process take it", async () => {
    const a = new FsJobStore(dir);
    const b = new FsJobStore(dir);
    await a.open();
    await b.open();
    await a.close();
    await b.close();
    const other = startHolder();
    await other.holding;
    other.child.stdin.end();
    await other.exited;
  }, 30_000);
});

describe("ListJobs reads only its own page (issue 12.8)", () => {
  it("a page reads the files of its own jobs only, for every tenant, with maxResults=1 too", async () => {
    const store = new FsJobStore({ dir, fsync: false });
    const mine: Job[] = [];
    for (let i = 0; i < 60; i++) {
      const job = sampleJob({ id: `job-${String(i).padStart(3, "0")}`, tenant: i % 3 === 0 ? TENANT : OTHER, creationTime: 1_000 + i, clientRequestToken: `t${i}` });
      await store.insert(job);
      if (i % 3 === 0) mine.push(job);
    }
    await store.close();
    const fresh = new FsJobStore({ dir, fsync: false });
    await fresh.open(); // builds the index: reads every job once
    const reads = countReads();
    try {
      const newestFirst = [...mine].reverse().map((j) => j.id);
      const page = await fresh.list({ tenant: TENANT, limit: 5 });
      expect(page.map((j) => j.id)).toEqual(newestFirst.slice(0, 5));
      expect(reads.dirs()).toBeLessThanOrEqual(5);
      reads.reset();
      const next = await fresh.list({ tenant: TENANT, limit: 1, after: { creationTime: page[4]!.creationTime, id: page[4]!.id } });
      expect(next.map((j) => j.id)).toEqual([newestFirst[5]]);
      expect(reads.dirs()).toBeLessThanOrEqual(1);
      reads.reset();
      expect(await fresh.list({ tenant: { ...TENANT, account: "999999999999" }, limit: 1000 })).toEqual([]);
      expect(reads.dirs()).toBe(0);
      // A status filter reads only the jobs in that status.
      reads.reset();
      expect(await fresh.list({ tenant: TENANT, statuses: ["Complete"], limit: 1000 })).toEqual([]);
      expect(reads.dirs()).toBe(0);
    } finally {
      reads.restore();
      await fresh.close();
    }
  });

  it("the index follows inserts, status changes and deletes", async () => {
    const store = new FsJobStore({ dir, fsync: false });
    const a = sampleJob({ id: "job-a", creationTime: 1, clientRequestToken: "a" });
    const b = sampleJob({ id: "job-b", creationTime: 2, clientRequestToken: "b" });
    await store.insert(a);
    await store.insert(b);
    expect((await store.list({ tenant: a.tenant, limit: 10 })).map((j) => j.id)).toEqual(["job-b", "job-a"]);
    expect(await store.replace({ ...a, status: "Complete", version: 2 }, 1)).toBe(true);
    expect((await store.list({ tenant: a.tenant, statuses: ["Complete"], limit: 10 })).map((j) => j.id)).toEqual(["job-a"]);
    expect((await store.scan(["Complete"])).map((j) => j.id)).toEqual(["job-a"]);
    expect(await store.delete("job-a", 2)).toBe(true);
    expect((await store.list({ tenant: a.tenant, limit: 10 })).map((j) => j.id)).toEqual(["job-b"]);
    await store.close();
  });
});

/** Counts the job directories read (fs.promises.readdir under by-id/<job>). */
function countReads() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { promises } = require("node:fs") as typeof import("node:fs");
  const original = promises.readdir;
  let dirs = 0;
  promises.readdir = ((path: string, ...rest: unknown[]) => {
    if (String(path).startsWith(byId() + "/")) dirs++;
    return (original as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof promises.readdir;
  return { dirs: () => dirs, reset: () => (dirs = 0), restore: () => (promises.readdir = original) };
}
