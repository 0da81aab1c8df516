import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyToBytes } from "../../src/index.js";
import { jobSchema } from "../../src/core/model/job.js";
import { FsJobStore } from "../../src/stores/fs-job-store.js";
import { FsObjectStore } from "../../src/stores/fs-object-store.js";
import { sampleJob } from "../../src/testing/conformance/job-store-suite.js";

/**
 * The filesystem stores survive SIGKILL at any instant: a child process writes objects and job
 * versions in a loop and is killed after a varying number of rounds, at whatever point of a write
 * it has reached; every object and job it leaves must be whole and writable again.
 */
const WRITER = resolve(__dirname, "fixtures/crash-writer.ts");
const TAGGER = resolve(__dirname, "fixtures/tagging-writer.ts");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "batchplane-crash-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the writer until it reported `rounds` finished rounds, lets it go on for `graceMs` more
 * (so that the kill lands at a different point of a round each time), then kills it with SIGKILL.
 */
function runAndKill(jobId: string, rounds: number, graceMs: number, writer = WRITER, out?: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", writer, dir, jobId], { stdio: ["pipe", "pipe", "pipe"] });
    let seen = 0;
    let killing = false;
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      const lines = chunk.toString().split("\n").filter(Boolean);
      out?.push(...lines);
      seen += lines.length;
      if (seen >= rounds && !killing) {
        killing = true;
        setTimeout(() => child.kill("SIGKILL"), graceMs);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code, signal) => {
      if (signal === "SIGKILL") done(seen);
      else fail(new Error(`the writer exited by itself (${code}): ${stderr}`));
    });
  });
}

async function whole(objects: FsObjectStore, bucket: string, key: string): Promise<void> {
  const { info, body } = await objects.get({ bucket, key });
  const bytes = await bodyToBytes(body);
  expect(bytes.byteLength % (64 * 1024)).toBe(0);
  expect(new Set(bytes).size).toBe(1);
  expect(createHash("md5").update(bytes).digest("hex")).toBe(info.etag);
  expect(info.size).toBe(bytes.byteLength);
}

describe("filesystem stores under SIGKILL", () => {
  it("leave every object and job whole, whatever instant the process dies", async () => {
    const setup = new FsObjectStore({ dir });
    await setup.createBucket("b");
    await setup.createBucket("v", { versioning: true });
    const job = sampleJob();
    const setupJobs = new FsJobStore({ dir });
    expect(await setupJobs.insert(job)).toEqual({ inserted: true });
    // One process writes a data directory at a time: let the writer have it.
    await setup.close();
    await setupJobs.close();

    let lastVersion = job.version;
    const kills = [
      [1, 0],
      [4, 1],
      [2, 3],
      [6, 5],
      [3, 8],
      [5, 13],
      [2, 21],
      [4, 2],
    ] as const;
    for (const [rounds, graceMs] of kills) {
      const reported = await runAndKill(job.id, rounds, graceMs);
      const objects = new FsObjectStore({ dir });
      const jobs = new FsJobStore({ dir });

      await whole(objects, "b", "dir/obj");
      await whole(objects, "v", "obj");
      expect((await objects.list({ bucket: "b" })).objects.map((o) => o.key)).toEqual(["dir/obj"]);
      expect((await objects.list({ bucket: "v" })).objects.map((o) => o.key)).toEqual(["obj"]);

      const stored = (await jobs.get(job.id))!;
      expect(jobSchema.safeParse(stored).success).toBe(true);
      // Every round the child reported finished is kept; the one it was killed in may or may not be.
      expect(stored.version).toBeGreaterThanOrEqual(lastVersion + reported);
      expect(stored.version).toBeLessThanOrEqual(lastVersion + reported + 1);
      expect((stored.checkpoint as { rows: string[] }).rows).toHaveLength(50);
      lastVersion = stored.version;

      // Both stores take writes again, and the dead writer's temporary files are swept.
      await objects.put({ bucket: "b", key: "dir/obj", body: "z".repeat(64 * 1024) });
      expect(await jobs.replace({ ...stored, version: stored.version + 1 }, stored.version)).toBe(true);
      lastVersion = stored.version + 1;
      expect(await readdir(join(dir, ".batchplane", "tmp"))).toEqual([]);
      await objects.close();
      await jobs.close();
    }
  });

  it("keep every tag a putTagging answered (fsync on, 32 at a time: grouped directory flushes), whatever instant the process dies", async () => {
    const objects = 300;
    const setup = new FsObjectStore({ dir });
    // A fresh bucket: the first tags also make the sidecars' directories.
    await setup.createBucket("t");
    for (let i = 0; i < objects; i++) await setup.put({ bucket: "t", key: `k/${i}`, body: "x" });
    await setup.close();
    let run = 0;
    for (const [lines, graceMs] of [
      [1, 0],
      [150, 0],
      [400, 3],
      [700, 1],
    ] as const) {
      const out: string[] = [];
      // Each run's rounds are its own (1000, 2000...): a tag left by an earlier run never passes for this one's.
      await runAndKill(`${objects}:${++run * 1000}`, lines, graceMs, TAGGER, out);
      // The line may be cut by the kill: only whole lines (key and round) count.
      const answered = new Map<string, number>();
      for (const line of out) {
        const [key, round] = line.split(" ");
        if (key && round) answered.set(key, Math.max(answered.get(key) ?? -1, Number(round)));
      }
      expect(answered.size).toBeGreaterThan(0);
      const store = new FsObjectStore({ dir });
      for (let i = 0; i < objects; i++) {
        const tags = await store.getTagging({ bucket: "t", key: `k/${i}` });
        const round = answered.get(`k/${i}`);
        if (round === undefined) continue;
        // The tag answered, or a later round's (written, killed before it was printed).
        expect(Number(tags.find((t) => t.key === "round")?.value)).toBeGreaterThanOrEqual(round);
      }
      await store.close();
    }
  });
});
