import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobService, type Job, type JobChange } from "../../../src/index.js";
import { PostgresJobStore } from "../../../src/stores/postgres/index.js";
import { createInput, TENANT } from "../../support/jobs.js";
import { until } from "../../support/poll.js";
import { startPostgres, type PostgresCluster } from "../../support/postgres.js";

/**
 * Two processes' JobServices over one schema: a change through one reaches the other's
 * subscribers (LISTEN/NOTIFY), after a database restart too, and the re-scan finds a change
 * whose notification never came.
 */
let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(() => cluster?.stop());

function processes(schema: string, resyncIntervalMs = 300) {
  const open = () =>
    new PostgresJobStore({ connectionString: cluster.url, schema, resyncIntervalMs, reconnectDelayMs: 50, callTimeoutMs: 2_000, connectTimeoutMs: 1_000 });
  const storeA = open();
  const storeB = open();
  const a = new JobService({ store: storeA });
  const b = new JobService({ store: storeB });
  const heard: [Job, JobChange][] = [];
  const off = b.subscribe((job, change) => heard.push([job, change]));
  const close = async () => {
    off();
    await storeA.close();
    await storeB.close();
  };
  return { a, b, storeA, storeB, heard, close };
}

/** The database is back, but a pooled connection may not know its predecessor died yet: a write is repeated until it goes through. */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  return until("a write after the restart", () => call().catch(() => undefined), { timeoutMs: 30_000, everyMs: 50 });
}

describe("changes between processes over PostgreSQL", () => {
  it("reach the other process's subscribers with the job as written, and what changed", async () => {
    const p = processes("changes_basic");
    try {
      await p.storeB.watching();
      const { job } = await p.a.createJob(TENANT, createInput({ confirmationRequired: true }));
      await until("the creation", () => (p.heard.length >= 1 ? true : undefined));
      expect(p.heard[0]).toEqual([job, { type: "created" }]);

      await p.a.advance(job.id, "prepare");
      // Heard before the next write: a feed that reads a job after two writes hears them as one change.
      await until("the status", () => (p.heard.length >= 2 ? true : undefined));
      await p.a.updateJobPriority(TENANT, job.id, 42);
      await until("the priority", () => (p.heard.some(([j]) => j.priority === 42) ? true : undefined));
      expect(p.heard.map(([, c]) => c)).toEqual([{ type: "created" }, { type: "status", from: "New", to: "Preparing" }, { type: "priority" }]);
      expect(p.heard[2]![0]).toEqual(await p.a.describeJob(TENANT, job.id));
    } finally {
      await p.close();
    }
  }, 60_000);

  it("keep coming after PostgreSQL restarts: the feed reconnects and listens again", async () => {
    // No periodic re-scan within the test: the second change can only come by LISTEN on the new connection.
    const p = processes("changes_restart", 600_000);
    try {
      await p.storeB.watching();
      const { job } = await p.a.createJob(TENANT, createInput());
      await until("the creation", () => (p.heard.length >= 1 ? true : undefined));
      await cluster.restart();
      await retried(() => p.a.updateJobPriority(TENANT, job.id, 7));
      await until("the change after the restart", () => (p.heard.some(([j, c]) => c.type === "priority" && j.priority === 7) ? true : undefined));
      await retried(() => p.a.putJobTags(TENANT, job.id, [{ key: "after", value: "restart" }]));
      await until("a second change after the restart", () => (p.heard.some(([j]) => j.tags.length === 1) ? true : undefined));
    } finally {
      await p.close();
    }
  }, 90_000);

  it("find a change whose notification was lost, by the periodic re-scan", async () => {
    const p = processes("changes_rescan");
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    try {
      await p.storeB.watching();
      const { job } = await p.a.createJob(TENANT, createInput());
      await until("the creation", () => (p.heard.length >= 1 ? true : undefined));
      await admin.query("ALTER TABLE changes_rescan.jobs DISABLE TRIGGER jobs_notify");
      await p.a.updateJobPriority(TENANT, job.id, 99);
      await until("the silent change", () => (p.heard.some(([j]) => j.priority === 99) ? true : undefined));
      expect(p.heard.at(-1)![1]).toEqual({ type: "priority" });
    } finally {
      await admin.query("ALTER TABLE changes_rescan.jobs ENABLE TRIGGER jobs_notify").catch(() => undefined);
      await admin.end();
      await p.close();
    }
  }, 60_000);
});
