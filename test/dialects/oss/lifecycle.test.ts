import { describe, expect, it } from "vitest";
import { OSS_POLICY, ossJobId, uuidOfJobId } from "../../../dialects/oss/index.js";
import { JOB_STATUSES, type EngineEvent, type JobStatus } from "../../../src/index.js";
import { SequentialIds } from "../../../src/core/ids.js";
import { createJob, JOB_ID, ossError, ossHarness, textOf } from "./harness.js";

/** OSS's lifecycle rules [S-UJS, S-CJ], seen through the wire. */

const DAY = 86_400_000;

/** Engine events that bring a new job to each status. */
const PATHS: Record<JobStatus, (EngineEvent | "userCancel")[]> = {
  New: [],
  Preparing: ["prepare"],
  Suspended: ["prepare", "awaitConfirmation"],
  Ready: ["prepare", "prepared"],
  Active: ["prepare", "prepared", "start"],
  Pausing: ["prepare", "prepared", "start", "pause"],
  Paused: ["prepare", "prepared", "start", "pause", "paused"],
  Completing: ["prepare", "prepared", "start", "finish"],
  Complete: ["prepare", "prepared", "start", "finish", "complete"],
  Cancelling: ["userCancel"],
  Cancelled: ["userCancel", "cancelled"],
  Failing: ["prepare", "fail"],
  Failed: ["prepare", "fail", "failed"],
};

async function jobIn(status: JobStatus) {
  const h = ossHarness();
  const id = await createJob(h.send, { confirmation: "<ConfirmationRequired>true</ConfirmationRequired>" });
  for (const step of PATHS[status]) {
    if (step === "userCancel") await h.jobs.updateJobStatus((await h.jobs.get(id))!.tenant, id, "Cancelled");
    else await h.jobs.advance(id, step);
  }
  expect((await h.jobs.get(id))!.status).toBe(status);
  return { ...h, id };
}

const statusRequest = (id: string, requested: string) => `/?batchJobStatus&batchJobId=${id}&requestedJobStatus=${requested}`;

describe("UpdateJobStatus rules", () => {
  const READY_FROM: JobStatus[] = ["Suspended", "Preparing"];
  it.each(JOB_STATUSES.map((s) => [s, READY_FROM.includes(s)] as const))("Ready from %s: allowed=%s", async (status, allowed) => {
    const { send, id } = await jobIn(status);
    const res = await send("POST", statusRequest(id, "Ready"));
    if (allowed) {
      expect(res.status).toBe(200);
      expect(textOf(await res.text(), "Status")).toBe("Ready");
    } else {
      const e = await ossError(res);
      expect(e).toMatchObject({ status: 400, code: "InvalidRequest" });
      expect(e.message).toContain(`is ${status}; it cannot be moved to Ready`);
    }
  });

  const NO_CANCEL: JobStatus[] = ["Cancelled", "Cancelling", "Complete", "Completing", "Failed", "Failing"];
  it.each(JOB_STATUSES.map((s) => [s, !NO_CANCEL.includes(s)] as const))("Cancelled from %s: allowed=%s, and always via Cancelling", async (status, allowed) => {
    const { send, id } = await jobIn(status);
    const res = await send("POST", `${statusRequest(id, "Cancelled")}&statusUpdateReason=stop`);
    if (allowed) {
      const body = await res.text();
      expect(res.status).toBe(200);
      expect(textOf(body, "Status")).toBe("Cancelling");
      expect(textOf(body, "StatusUpdateReason")).toBe("stop");
    } else {
      expect(await ossError(res)).toMatchObject({ status: 400, code: "InvalidRequest" });
    }
  });

  it("records the reason, which DescribeJob then shows", async () => {
    const { send, id } = await jobIn("Suspended");
    await send("POST", `${statusRequest(id, "Ready")}&statusUpdateReason=${encodeURIComponent("确认 & go")}`);
    expect(textOf(await (await send("GET", `/?batchJob&batchJobId=${id}`)).text(), "StatusUpdateReason")).toBe("确认 &amp; go");
  });
});

describe("time rules", () => {
  it("fails a job left Suspended for more than 14 days, at its deadline", async () => {
    const { send, id, clock } = await jobIn("Suspended");
    const suspendedAt = clock.now();
    clock.advance(14 * DAY - 1);
    expect(textOf(await (await send("GET", `/?batchJob&batchJobId=${id}`)).text(), "Status")).toBe("Suspended");
    clock.advance(1 + 3 * DAY);
    const body = await (await send("GET", `/?batchJob&batchJobId=${id}`)).text();
    expect(textOf(body, "Status")).toBe("Failed");
    expect(textOf(body, "TerminationDate")).toBe(String((suspendedAt + 14 * DAY) / 1000));
    expect(textOf(body, "FailureCode")).toBe("ConfirmationTimeout");
    expect(textOf(body, "FailureReason")).toContain("14 days");
    // Too late to confirm.
    expect(await ossError(await send("POST", statusRequest(id, "Ready")))).toMatchObject({ status: 400, code: "InvalidRequest" });
  });

  it("keeps a finished job 90 days (unspecified for OSS), then forgets it", async () => {
    const { send, id, clock } = await jobIn("Complete");
    clock.advance(90 * DAY - 1);
    expect((await send("GET", `/?batchJob&batchJobId=${id}`)).status).toBe(200);
    clock.advance(1);
    expect((await send("GET", `/?batchJob&batchJobId=${id}`)).status).toBe(404);
  });

  it("counts active time in whole seconds while the job runs, and omits TerminationDate until it ends", async () => {
    const { send, id, clock } = await jobIn("Active");
    clock.advance(2_500);
    const body = await (await send("GET", `/?batchJob&batchJobId=${id}`)).text();
    expect(textOf(body, "ElapsedTimeInActiveSeconds")).toBe("2");
    expect(textOf(body, "TotalNumberOfTasks")).toBe("-1");
    expect(body).not.toContain("TerminationDate");
  });

  // Every other test clock starts on a whole second, where floor and ceil agree.
  it("writes CreationTime and TerminationDate as whole epoch seconds rounded down", async () => {
    const start = Date.UTC(2026, 0, 1, 8, 30, 0, 999);
    const { send, jobs, clock } = ossHarness({ start });
    const id = await createJob(send);
    clock.advance(1_500); // terminates at 08:30:02.499
    await jobs.updateJobStatus((await jobs.get(id))!.tenant, id, "Cancelled");
    await jobs.advance(id, "cancelled");
    const second = Math.floor(start / 1000);
    const described = await (await send("GET", `/?batchJob&batchJobId=${id}`)).text();
    expect(textOf(described, "CreationTime")).toBe(String(second));
    expect(textOf(described, "TerminationDate")).toBe(String(second + 2));
    const listed = await (await send("GET", "/?batchJob")).text();
    expect(textOf(listed, "CreationTime")).toBe(String(second));
    expect(textOf(listed, "TerminationDate")).toBe(String(second + 2));
  });
});

describe("UpdateJobPriority", () => {
  it.each(["New", "Active", "Complete"] as JobStatus[])("changes the priority of a %s job", async (status) => {
    const { send, id } = await jobIn(status);
    const body = await (await send("POST", `/?batchJobPriority&batchJobId=${id}&targetPriority=2147483647`)).text();
    expect(textOf(body, "Priority")).toBe("2147483647");
    expect(textOf(await (await send("GET", "/?batchJob")).text(), "Priority")).toBe("2147483647");
  });
});

describe("job ids", () => {
  it("are base64 of the UUID's 32 hex digits, and decode back", () => {
    expect(ossJobId("34cde64d-7a69-4da1-91ff-ac69939a71ae")).toBe("MzRjZGU2NGQ3YTY5NGRhMTkxZmZhYzY5OTM5YTcxYWU=");
    const ids = new SequentialIds("abcdef01");
    for (let i = 0; i < 50; i++) {
      const uuid = ids.uuid();
      const id = OSS_POLICY.jobId(uuid);
      expect(id).toMatch(JOB_ID);
      expect(uuidOfJobId(id)).toBe(uuid);
    }
    expect(uuidOfJobId("dGVzdC1iYXRjaC1qb2ItaWQ=")).toBeUndefined();
    expect(() => ossJobId("not-a-uuid")).toThrow(RangeError);
  });

  it("the policy is OSS's: confirm from Suspended or Preparing, never cancel at once, 14 days suspended", () => {
    expect(OSS_POLICY).toMatchObject({
      name: "oss",
      confirmFrom: ["Suspended", "Preparing"],
      cancelImmediatelyFrom: [],
      suspendedTimeoutMs: 14 * DAY,
      retentionMs: 90 * DAY,
    });
  });
});
