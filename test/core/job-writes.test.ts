import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConcurrentUpdateError, JobService, type Job } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { SequentialIds } from "../../src/core/ids.js";
import { FsJobStore } from "../../src/stores/fs-job-store.js";
import { MemoryJobStore } from "../../src/stores/memory-job-store.js";
import { createInput, driving, TENANT } from "../support/jobs.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Another process writing the same job: the next `lose` compare-and-sets fail as if it got there first. */
class SharedStore extends MemoryJobStore {
  lose = 0;
  attempts = 0;
  override async replace(job: Job, expectedVersion: number): Promise<boolean> {
    this.attempts++;
    if (this.lose > 0) {
      this.lose--;
      return false;
    }
    return super.replace(job, expectedVersion);
  }
}

describe("writes to one job (issue 12.7)", () => {
  for (const kind of ["memory", "fs"] as const) {
    it(`100 concurrent UpdateJobPriority and PutJobTagging requests on one job all succeed, in order (${kind})`, async () => {
      let store;
      if (kind === "fs") {
        const dir = await mkdtemp(join(tmpdir(), "batchplane-writes-"));
        dirs.push(dir);
        store = new FsJobStore({ dir, fsync: false });
      } else {
        store = new MemoryJobStore();
      }
      const jobs = new JobService({ store, clock: new ManualClock(), ids: new SequentialIds() });
      const { job } = await jobs.createJob(TENANT, createInput());
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) =>
          i % 2 === 0 ? jobs.updateJobPriority(TENANT, job.id, i + 1) : jobs.putJobTags(TENANT, job.id, [{ key: "n", value: String(i) }]),
        ),
      );
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      const after = await jobs.describeJob(TENANT, job.id);
      // The last request of each kind is the one that stays: they were applied in arrival order.
      expect(after.priority).toBe(99);
      expect(after.tags).toEqual([{ key: "n", value: "99" }]);
      expect(after.version).toBe(job.version + 100);
    });
  }

  it("across processes, a lost compare-and-set is retried after a jittered, growing delay", async () => {
    const store = new SharedStore();
    const clock = new ManualClock();
    const jobs = new JobService({ store, clock, ids: new SequentialIds() });
    const { job } = await jobs.createJob(TENANT, createInput());
    store.lose = 5;
    const waits: number[] = [];
    const setTimeout = clock.setTimeout.bind(clock);
    clock.setTimeout = (fn, ms) => {
      waits.push(ms);
      return setTimeout(fn, ms);
    };
    const updated = await driving(clock, jobs.updateJobPriority(TENANT, job.id, 7));
    expect(updated.priority).toBe(7);
    expect(store.attempts).toBe(6);
    // The first retry re-reads at once; the next four wait.
    expect(waits).toHaveLength(4);
    expect(waits.every((w) => w >= 0 && w <= 250)).toBe(true);
  });

  it("across processes, gives up with ConcurrentUpdate once the attempts run out", async () => {
    const store = new SharedStore();
    const clock = new ManualClock();
    const jobs = new JobService({ store, clock, ids: new SequentialIds(), maxWriteAttempts: 4 });
    const { job } = await jobs.createJob(TENANT, createInput());
    store.lose = 100;
    await expect(driving(clock, jobs.updateJobPriority(TENANT, job.id, 7))).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(store.attempts).toBe(4);
  });
});
