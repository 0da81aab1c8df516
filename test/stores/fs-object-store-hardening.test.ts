import { promises as nodeFs } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bodyToBytes, Engine, JobService, type CreateJobInput, type Manifest, type ObjectRef } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { SequentialIds } from "../../src/core/ids.js";
import { FsObjectStore } from "../../src/stores/fs-object-store.js";
import { MemoryJobStore } from "../../src/stores/memory-job-store.js";
import { readReport, seedManifest } from "../../src/testing/index.js";

let root: string;
let dir: string;
let outside: string;
let logs: string[];
let store: FsObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "batchplane-fs-hard-"));
  dir = join(root, "data");
  outside = join(root, "outside");
  await mkdir(outside);
  await writeFile(join(outside, "secret"), "not yours");
  logs = [];
  store = new FsObjectStore({ dir, buckets: ["b"], log: (m) => logs.push(m) });
  await store.list({ bucket: "b" });
});
afterEach(async () => {
  await store.close();
  await rm(root, { recursive: true, force: true });
});

const TENANT = { dialect: "default", account: "123456789012", region: "us-east-1" };

/** A job that tags every object of `manifest`, with a report of every task. */
function tagging(manifest: Manifest, report: { bucket: string; prefix: string }): CreateJobInput {
  return {
    clientRequestToken: "t",
    priority: 1,
    confirmationRequired: false,
    role: "r",
    operation: { type: "putTagging", tags: [{ key: "k", value: "v" }] },
    manifest,
    report: { enabled: true, ...report, scope: "AllTasks" },
  };
}

const text = async (ref: ObjectRef) => new TextDecoder().decode(await bodyToBytes((await store.get(ref)).body));
const outsideFiles = () => readdir(outside, { recursive: true });

describe("FsObjectStore never follows a symbolic link (issue 12.3)", () => {
  it("a bucket directory that is a link is no bucket: nothing is read from or written to where it points", async () => {
    await symlink(outside, join(dir, "linked"));
    const ref = { bucket: "linked", key: "secret" };
    for (const attempt of [
      () => store.head(ref),
      () => store.get(ref),
      () => store.list({ bucket: "linked" }),
      () => store.put({ bucket: "linked", key: "planted", body: "x" }),
      () => store.putTagging(ref, [{ key: "t", value: "v" }]),
      () => store.copy({ source: ref, target: { bucket: "b", key: "copied" } }),
      () => store.copy({ source: { bucket: "b", key: "x" }, target: { bucket: "linked", key: "copied" } }),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: "NoSuchBucket" });
    }
    await expect(store.createBucket("linked")).rejects.toMatchObject({ code: "InvalidBucketState" });
    await expect(store.head({ bucket: "b", key: "copied" })).rejects.toMatchObject({ code: "NoSuchKey" });
    expect(await outsideFiles()).toEqual(["secret"]);
  });

  it("a linked directory inside a bucket: its files are not objects, and writes below it make nothing where it points", async () => {
    await symlink(outside, join(dir, "b", "link"));
    await expect(store.get({ bucket: "b", key: "link/secret" })).rejects.toMatchObject({ code: "NoSuchKey" });
    expect((await store.list({ bucket: "b" })).objects).toEqual([]);

    // put, copy and a report (written with put) into keys below the link.
    await store.put({ bucket: "b", key: "src", body: "source" });
    await store.put({ bucket: "b", key: "link/new/put", body: "put" });
    await store.copy({ source: { bucket: "b", key: "src" }, target: { bucket: "b", key: "link/deeper/copied" } });
    expect(await outsideFiles()).toEqual(["secret"]);
    // The keys work all the same (their bytes live in the metadata area).
    expect(await text({ bucket: "b", key: "link/new/put" })).toBe("put");
    expect(await text({ bucket: "b", key: "link/deeper/copied" })).toBe("source");
    expect((await store.list({ bucket: "b" })).objects.map((o) => o.key)).toEqual(["link/deeper/copied", "link/new/put", "src"]);
  });

  it("a job's report into a bucket reached through a linked directory stays inside the data directory", async () => {
    await symlink(outside, join(dir, "b", "reports"));
    const clock = new ManualClock();
    const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
    await store.put({ bucket: "b", key: "obj", body: "x" });
    const manifest = await seedManifest(store, { bucket: "b", key: "m.csv" }, [["b", "obj"]]);
    const { job } = await jobs.createJob(TENANT, tagging(manifest, { bucket: "b", prefix: "reports/out" }));
    await new Engine({ jobs, objects: store, clock }).runUntilIdle();
    const done = (await jobs.get(job.id))!;
    expect(done.status).toBe("Complete");
    expect((await readReport(store, done))!.rows.map((r) => r.key)).toEqual(["obj"]);
    expect(await outsideFiles()).toEqual(["secret"]);
  });
});

describe("FsObjectStore keeps server paths out of what users read (issue 12.6)", () => {
  it("a damaged bucket settings file: report rows and errors name no path; the server log does", async () => {
    await store.put({ bucket: "b", key: "obj", body: "x" });
    await mkdir(join(dir, "m"));
    const manifestText = "b,obj\n";
    await writeFile(join(dir, "m", "m.csv"), manifestText);
    await store.close();
    await writeFile(join(dir, ".batchplane", "buckets", "b.json"), "{ damaged");
    store = new FsObjectStore({ dir, log: (m) => logs.push(m) });

    const error = await store.head({ bucket: "b", key: "obj" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "InternalError", status: 500 });
    expect((error as Error).message).not.toContain(root);
    expect(logs.some((l) => l.includes(join(dir, ".batchplane", "buckets", "b.json")))).toBe(true);

    const clock = new ManualClock();
    const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
    const manifest = { location: { bucket: "m", key: "m.csv" }, format: "csv", fields: ["bucket", "key"] } as const;
    const { job } = await jobs.createJob(TENANT, tagging({ ...manifest, fields: [...manifest.fields] }, { bucket: "m", prefix: "r" }));
    await new Engine({ jobs, objects: store, clock, retry: { maxAttempts: 1 } }).runUntilIdle();
    const done = (await jobs.get(job.id))!;
    const report = (await readReport(store, done))!;
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]!.status).toBe("failed");
    expect(JSON.stringify(report.rows)).not.toContain(root);
    expect(JSON.stringify(done)).not.toContain(root);
  });
});

describe("FsObjectStore listing pages cost in proportion to the page (issue 12.9)", () => {
  it("paging through a flat bucket reads its directory once, not once a page", async () => {
    const flat = join(dir, "b");
    for (let i = 0; i < 1_000; i++) await writeFile(join(flat, `k${String(i).padStart(4, "0")}`), "");
    const past = new Date(Date.now() - 60_000);
    await utimes(flat, past, past); // a bucket at rest

    const original = nodeFs.readdir;
    let reads = 0;
    nodeFs.readdir = ((path: string, ...rest: unknown[]) => {
      if (path === flat) reads++;
      return (original as (...a: unknown[]) => unknown)(path, ...rest);
    }) as typeof nodeFs.readdir;
    try {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await store.list({ bucket: "b", maxKeys: 50, continuationToken: token });
        keys.push(...page.objects.map((o) => o.key));
        token = page.continuationToken;
      } while (token);
      expect(keys).toHaveLength(1_000);
      expect(keys).toEqual([...keys].sort());
      expect(reads).toBe(1);

      // A change to the directory is seen by the next page.
      await writeFile(join(flat, "k9999"), "");
      const last = await store.list({ bucket: "b", maxKeys: 50, continuationToken: Buffer.from("k0999").toString("base64url") });
      expect(last.objects.map((o) => o.key)).toEqual(["k9999"]);
    } finally {
      nodeFs.readdir = original;
    }
  });
});
