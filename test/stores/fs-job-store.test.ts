import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FsJobStore } from "../../src/stores/fs-job-store.js";
import { sampleJob } from "../../src/testing/conformance/job-store-suite.js";

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

    const fresh = new FsJobStore({ dir });
    expect(await fresh.findByToken(job.tenant, job.clientRequestToken)).toBeUndefined();
    const retry = sampleJob({ clientRequestToken: job.clientRequestToken });
    expect(await fresh.insert(retry)).toEqual({ inserted: true });
    expect(await fresh.findByToken(job.tenant, job.clientRequestToken)).toEqual(retry);
  });

  it("says which file is damaged when a job file was edited into invalid JSON", async () => {
    const store = new FsJobStore({ dir });
    const job = sampleJob({ id: "damaged" });
    await store.insert(job);
    await writeFile(join(byId(), "damaged", `${job.version + 1}.json`), "{ not json");
    await expect(new FsJobStore({ dir }).get("damaged")).rejects.toThrow(/damaged.*2\.json is not valid JSON/);
  });
});
