import { describe, expect, it } from "vitest";
import { definePolicy } from "../../src/core/jobs/policy.js";
import { bedWith } from "./support.js";

const DAY = 86_400_000;

describe("server mode (start)", () => {
  it("runs a job created after start() on its own", async () => {
    const bed = await bedWith(["a", "b"]);
    bed.engine.start();
    const created = await bed.job();
    const done = await bed.whenJob(created.id, (j) => j.status === "Complete");
    expect(done.progress).toMatchObject({ succeeded: 2, failed: 0 });
    await bed.engine.stop();
  });

  it("runs a job confirmed while the engine runs", async () => {
    const bed = await bedWith(["a"]);
    bed.engine.start();
    const created = await bed.job({ confirmationRequired: true });
    await bed.whenJob(created.id, (j) => j.status === "Suspended");
    await bed.jobs.updateJobStatus(bed.tenant, created.id, "Ready");
    expect((await bed.whenJob(created.id, (j) => j.status === "Complete")).progress.succeeded).toBe(1);
    await bed.engine.stop();
  });

  it("fails a Suspended job at its deadline from a timer, without anybody reading it", async () => {
    const policy = definePolicy({ name: "short", suspendedTimeoutMs: DAY, retentionMs: 2 * DAY });
    const bed = await bedWith(["a"], { policies: [policy], tenant: { dialect: "short", account: "1", region: "" } });
    bed.engine.start();
    const created = await bed.job({ confirmationRequired: true });
    await bed.whenJob(created.id, (j) => j.status === "Suspended");

    const failed = new Promise<string>((resolve) => bed.jobs.subscribe((job, change) => change.type === "status" && resolve(job.status)));
    bed.clock.advance(DAY);
    expect(await failed).toBe("Failed");
    // The job store itself holds the change: the sweep ran, no lazy read applied it.
    const stored = await bed.jobStore.get(created.id);
    expect(stored).toMatchObject({ status: "Failed", terminationDate: bed.clock.now() });
    expect(stored!.failureReasons[0]!.code).toBe("ConfirmationTimeout");

    // Retention runs out two days later: the record goes, also on its own.
    const gone = new Promise<string>((resolve) => bed.jobs.subscribe((_job, change) => change.type === "deleted" && resolve("deleted")));
    bed.clock.advance(2 * DAY);
    expect(await gone).toBe("deleted");
    expect(await bed.jobStore.get(created.id)).toBeUndefined();
    await bed.engine.stop();
  });

  it("waits with a timer no longer than setTimeout allows for deadlines far away", async () => {
    const bed = await bedWith(["a"]);
    bed.engine.start();
    const created = await bed.job();
    await bed.whenJob(created.id, (j) => j.status === "Complete");
    // Retention is 90 days: more than a 32-bit timer; the engine re-arms on the way.
    expect(bed.clock.nextTimerAt()! - bed.clock.now()).toBeLessThanOrEqual(2_147_483_647);
    bed.clock.advance(89 * DAY);
    expect(await bed.jobStore.get(created.id)).toBeDefined();
    const gone = new Promise((resolve) => bed.jobs.subscribe((_job, change) => change.type === "deleted" && resolve(true)));
    bed.clock.advance(DAY);
    expect(await gone).toBe(true);
    await bed.engine.stop();
    expect(bed.clock.pendingTimers()).toBe(0);
  });
});
