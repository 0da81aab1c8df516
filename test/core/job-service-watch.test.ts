import { describe, expect, it } from "vitest";
import { JobService, type Job, type JobChange, type JobStore } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { SequentialIds } from "../../src/core/ids.js";
import { MemoryJobStore } from "../../src/stores/memory-job-store.js";
import { createInput, TENANT } from "../support/jobs.js";

/**
 * Two "processes" over one store with a change feed, as PostgreSQL's LISTEN/NOTIFY gives them:
 * the feed tells every watcher the id of every job written, by anyone (its own writes included).
 */
function sharedStore() {
  const data = new MemoryJobStore();
  const watchers = new Set<(id: string) => void>();
  let feeds = 0;
  const notify = (id: string) => queueMicrotask(() => watchers.forEach((w) => w(id)));
  const open = (): JobStore => ({
    insert: async (job) => {
      const r = await data.insert(job);
      if (r.inserted) notify(job.id);
      return r;
    },
    get: (id) => data.get(id),
    findByToken: (t, token) => data.findByToken(t, token),
    replace: async (job, v) => {
      const ok = await data.replace(job, v);
      if (ok) notify(job.id);
      return ok;
    },
    delete: async (id, v) => {
      const ok = await data.delete(id, v);
      if (ok) notify(id);
      return ok;
    },
    list: (q) => data.list(q),
    scan: (s) => data.scan(s),
    watch(onChange) {
      feeds++;
      watchers.add(onChange);
      return () => {
        feeds--;
        watchers.delete(onChange);
      };
    },
  });
  return { open, feeds: () => feeds };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

function service(store: JobStore) {
  return new JobService({ store, clock: new ManualClock(Date.UTC(2026, 0, 1)), ids: new SequentialIds() });
}

describe("JobService over a store with a change feed", () => {
  it("tells its listeners of another process's writes, with the job read again and what changed", async () => {
    const shared = sharedStore();
    const a = service(shared.open());
    const b = service(shared.open());
    const heard: [Job, JobChange][] = [];
    b.subscribe((job, change) => heard.push([job, change]));

    const { job } = await a.createJob(TENANT, createInput({ confirmationRequired: true }));
    await settle();
    expect(heard).toEqual([[job, { type: "created" }]]);

    await a.advance(job.id, "prepare");
    await settle();
    const preparing = await a.describeJob(TENANT, job.id);
    expect(heard[1]).toEqual([preparing, { type: "status", from: "New", to: "Preparing" }]);

    await a.updateJobPriority(TENANT, job.id, 77);
    await a.putJobTags(TENANT, job.id, [{ key: "k", value: "v" }]);
    await settle();
    expect(heard.slice(2).map(([j, c]) => [j.version, c])).toEqual([
      [3, { type: "priority" }],
      [4, { type: "updated" }],
    ]);
  });

  it("tells its own writes once, though the feed brings them back", async () => {
    const shared = sharedStore();
    const a = service(shared.open());
    const heard: JobChange[] = [];
    a.subscribe((_, change) => heard.push(change));
    const { job } = await a.createJob(TENANT, createInput({ confirmationRequired: true }));
    await a.advance(job.id, "prepare");
    await a.advance(job.id, "awaitConfirmation");
    await a.updateJobStatus(TENANT, job.id, "Ready");
    await settle();
    expect(heard).toEqual([
      { type: "created" },
      { type: "status", from: "New", to: "Preparing" },
      { type: "status", from: "Preparing", to: "Suspended" },
      { type: "status", from: "Suspended", to: "Ready" },
    ]);
  });

  it("opens the feed with the first listener and closes it with the last", async () => {
    const shared = sharedStore();
    const a = service(shared.open());
    expect(shared.feeds()).toBe(0);
    const off1 = a.subscribe(() => {});
    const off2 = a.subscribe(() => {});
    expect(shared.feeds()).toBe(1);
    off1();
    expect(shared.feeds()).toBe(1);
    off2();
    expect(shared.feeds()).toBe(0);
  });
});
