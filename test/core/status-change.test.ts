import { describe, expect, it } from "vitest";
import { JOB_STATUSES, type Job, type JobStatus } from "../../src/index.js";
import { enterStatus } from "../../src/core/jobs/status-change.js";

/** What a status change does to the fields that depend on the status, for every pair of statuses. */

const T0 = 1_000_000;
const NOW = T0 + 7_000;
const TERMINAL = ["Complete", "Cancelled", "Failed"];

function jobIn(status: JobStatus): Job {
  return {
    status,
    progress: { total: 1, succeeded: 0, failed: 0, activeMs: 500, activeSince: status === "Active" ? T0 : null },
  } as Job;
}

describe("enterStatus", () => {
  for (const from of JOB_STATUSES) {
    for (const to of JOB_STATUSES) {
      it(`${from} → ${to}`, () => {
        const job = jobIn(from);
        enterStatus(job, to, NOW);
        expect(job.status).toBe(to);
        // The active timer runs exactly while the job is Active.
        const leaves = from === "Active" && to !== "Active";
        expect(job.progress.activeMs).toBe(leaves ? 500 + 7_000 : 500);
        expect(job.progress.activeSince).toBe(to === "Active" ? (from === "Active" ? T0 : NOW) : null);
        expect(job.suspendedDate).toBe(to === "Suspended" ? NOW : undefined);
        expect(job.terminationDate).toBe(TERMINAL.includes(to) ? NOW : undefined);
      });
    }
  }

  it("leaves the active time alone when a job leaves Active with no running timer", () => {
    const job = jobIn("Active");
    job.progress.activeSince = null;
    enterStatus(job, "Pausing", NOW);
    expect(job.progress).toMatchObject({ activeMs: 500, activeSince: null });
  });

  it("never counts negative time when the clock went back", () => {
    const job = jobIn("Active");
    enterStatus(job, "Completing", T0 - 5_000);
    expect(job.progress.activeMs).toBe(500);
  });
});
