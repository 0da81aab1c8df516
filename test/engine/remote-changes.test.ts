import { describe, expect, it } from "vitest";
import { JobService } from "../../src/index.js";
import { bedWith } from "./support.js";

const keys = Array.from({ length: 8 }, (_, i) => `obj-${i}`);

/**
 * A server engine runs a job, its third task held; another process (its own JobService over the
 * same store) cancels the job: nothing tells this engine's JobService.
 */
async function cancelledElsewhere(rescanIntervalMs: number) {
  const bed = await bedWith(keys, { engine: { concurrency: 1, rescanIntervalMs } });
  const gate = bed.faults.hold({ operations: "putTagging", key: "obj-2" });
  bed.engine.start();
  const created = await bed.job();
  await gate.arrived(1);
  const elsewhere = new JobService({ store: bed.jobStore, clock: bed.clock, ids: bed.ids });
  await elsewhere.updateJobStatus(bed.tenant, created.id, "Cancelled");
  return { bed, gate, created };
}

/** Changes made by another process reach this engine through a job store's change feed or its rescans, not through its own JobService. */
describe("changes made elsewhere", () => {
  it("a server's rescan finds a job cancelled by another process and stops it", async () => {
    const { bed, gate, created } = await cancelledElsewhere(2_000);
    bed.clock.advance(2_000);
    // The rescan's reads answer within the event loop's turn (memory stores).
    await new Promise((resolve) => setImmediate(resolve));
    const done = bed.whenJob(created.id, (j) => j.status === "Cancelled");
    gate.release();
    const job = await done;
    await bed.engine.stop();
    expect(job.progress).toMatchObject({ succeeded: 3, failed: 0 });
    const ran = bed.faults.calls.filter((c) => c.operation === "putTagging").map((c) => c.key);
    expect(ran).toEqual(["obj-0", "obj-1", "obj-2"]);
  });

  it("reacts to an update notice whose status differs from what it knows (as a change feed delivers one)", async () => {
    const { bed, gate, created } = await cancelledElsewhere(3_600_000);
    // A notice of type "updated" reaches the engine's JobService (a write that changes no status).
    await bed.jobs.putJobTags(bed.tenant, created.id, [{ key: "seen", value: "yes" }]);
    const done = bed.whenJob(created.id, (j) => j.status === "Cancelled");
    gate.release();
    expect((await done).progress).toMatchObject({ succeeded: 3 });
    await bed.engine.stop();
  });
});
