import { describe, expect, it } from "vitest";
import { JobService, MemoryJobStore, MemoryObjectStore, type EngineOptions } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { SequentialIds } from "../../src/core/ids.js";
import { SERVER_CHECKPOINT_INTERVAL_MS, serve } from "../../src/server/serve.js";
import { FaultInjectingStore, seedManifest, seedObjects, whenJob } from "../../src/testing/index.js";
import { createInput, TENANT } from "../support/jobs.js";

/**
 * A job of three tasks, all held in flight; a second later the first one finishes. Under serve()'s
 * checkpoint interval that makes [a] durable (position 1): a crash then repeats at most a second of
 * work. Under the library's 30 s default only the progress counters are written.
 */
async function firstTaskFinishesASecondLater(engine?: Omit<EngineOptions, "jobs" | "objects">) {
  const clock = new ManualClock();
  const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
  const memory = new MemoryObjectStore({ clock });
  await seedObjects(memory, "photos", ["a", "b", "c"]);
  const manifest = await seedManifest(memory, { bucket: "manifests", key: "m.csv" }, ["a", "b", "c"].map((key) => ({ bucket: "photos", key })));
  const objects = new FaultInjectingStore(memory);
  const gates = ["a", "b", "c"].map((key) => objects.hold({ operations: "putTagging", key }));
  const server = await serve({ port: 0, jobs, objects, engine, log: () => undefined });
  try {
    const { job } = await jobs.createJob(TENANT, createInput({ manifest, report: { enabled: false } }));
    await Promise.all(gates.map((g) => g.arrived(1)));
    clock.advance(SERVER_CHECKPOINT_INTERVAL_MS);
    gates[0]!.release();
    const written = await whenJob(jobs, job.id, (j) => j.progress.succeeded === 1);
    for (const g of gates) g.release();
    await whenJob(jobs, job.id, (j) => j.status === "Complete");
    return (written.checkpoint as { position: number }).position;
  } finally {
    await server.close();
  }
}

describe("serve() checkpoints", () => {
  it("makes a running job's finished tasks durable every second", async () => {
    expect(await firstTaskFinishesASecondLater()).toBe(1);
  });

  it("keeps the engine's own interval when told one (the library default is 30 s)", async () => {
    expect(await firstTaskFinishesASecondLater({ checkpointIntervalMs: 30_000 })).toBe(0);
  });
});
