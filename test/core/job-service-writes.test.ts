import { describe, expect, it } from "vitest";
import { ConcurrentUpdateError, InvalidArgumentError, InvalidTransitionError, type Job, type JobChange } from "../../src/index.js";
import { definePolicy } from "../../src/core/jobs/policy.js";
import { createInput, driving, newService, TENANT } from "../support/jobs.js";

/** How the JobService writes: what reaches listeners, what is left unwritten, and when it gives up. */

const DAY = 86_400_000;

function listen(service: ReturnType<typeof newService>["service"]) {
  const seen: JobChange[] = [];
  const stop = service.subscribe((_job: Job, change: JobChange) => seen.push(change));
  return { seen, stop };
}

describe("writes and listeners", () => {
  it("names the statuses of a status change, and stops telling a listener that unsubscribed", async () => {
    const { service } = newService();
    const { seen, stop } = listen(service);
    const { job } = await service.createJob(TENANT, createInput());
    await service.advance(job.id, "prepare");
    await service.update(job.id, (draft) => {
      draft.progress.total = 3;
    });
    await service.updateJobPriority(TENANT, job.id, 3);
    await service.putJobTags(TENANT, job.id, [{ key: "k", value: "v" }]);
    stop();
    await service.advance(job.id, "prepared");
    expect(seen).toEqual([
      { type: "created" },
      { type: "status", from: "New", to: "Preparing" },
      { type: "updated" },
      { type: "priority" },
      { type: "updated" },
    ]);
  });

  it("leaves a job unwritten when nothing changes: the same priority, or a mutation that returns false", async () => {
    const { service } = newService();
    const { job } = await service.createJob(TENANT, createInput({ priority: 5 }));
    const { seen } = listen(service);
    expect((await service.updateJobPriority(TENANT, job.id, 5)).version).toBe(job.version);
    expect((await service.update(job.id, () => false)).version).toBe(job.version);
    expect(seen).toEqual([]);
    expect((await service.get(job.id))!.version).toBe(job.version);
  });

  it("gives up with ConcurrentUpdateError after maxWriteAttempts lost races, writing nothing", async () => {
    const { service, store, clock } = newService();
    const { job } = await service.createJob(TENANT, createInput());
    let attempts = 0;
    store.replace = async () => {
      attempts++;
      return false;
    };
    // The later attempts wait a backoff on the service's clock (issue 12.7).
    await expect(driving(clock, service.updateJobPriority(TENANT, job.id, 1))).rejects.toBeInstanceOf(ConcurrentUpdateError);
    expect(attempts).toBe(16);
    expect((await service.get(job.id))!.priority).toBe(10);
  });

  it("names the status an engine event leads to when the job cannot take it", async () => {
    const { service } = newService();
    const { job } = await service.createJob(TENANT, createInput());
    const err = await service.advance(job.id, "complete").catch((e) => e);
    expect(err).toBeInstanceOf(InvalidTransitionError);
    expect(err).toMatchObject({ current: "New", requested: "Complete" });
    await expect(service.advance(job.id, "cancelled")).rejects.toMatchObject({ requested: "Cancelled" });
  });
});

describe("requests", () => {
  it("stores no member the request left out", async () => {
    const { service } = newService();
    const { job } = await service.createJob(TENANT, createInput());
    for (const k of ["description", "generator", "dialectData", "statusUpdateReason"]) expect(Object.keys(job)).not.toContain(k);
  });

  it("treats tags left out and an empty tag list as the same request, and other tags as another", async () => {
    const { service } = newService();
    const input = createInput({ tags: [{ key: "a", value: "1" }] });
    const { job } = await service.createJob(TENANT, input);
    await expect(service.createJob(TENANT, { ...input, tags: [{ key: "a", value: "2" }] })).rejects.toMatchObject({ existingJobId: job.id });
    const bare = createInput();
    const first = await service.createJob(TENANT, bare);
    expect((await service.createJob(TENANT, { ...bare, tags: [] })).job.id).toBe(first.job.id);
  });

  it("accepts a 256-character reason and drops an earlier reason when a later request gives none", async () => {
    const { service } = newService();
    const { job } = await service.createJob(TENANT, createInput({ confirmationRequired: true }));
    await service.advance(job.id, "prepare");
    await service.advance(job.id, "awaitConfirmation");
    expect((await service.updateJobStatus(TENANT, job.id, "Ready", "r".repeat(256))).statusUpdateReason).toHaveLength(256);
    const cancelled = await service.updateJobStatus(TENANT, job.id, "Cancelled");
    expect(cancelled.status).toBe("Cancelled");
    expect("statusUpdateReason" in cancelled).toBe(false);
  });

  it("says what is wrong in words, naming the limits", async () => {
    const { service } = newService();
    const { job } = await service.createJob(TENANT, createInput());
    const message = (p: Promise<unknown>) => p.then(() => "", (e: InvalidArgumentError) => `${e.field}: ${e.detail}`);
    expect(await message(service.listJobs(TENANT, { maxResults: 0 }))).toBe("maxResults: must be an integer from 1 to 1000, got 0");
    expect(await message(service.listJobs(TENANT, { statuses: ["Running"] }))).toBe('jobStatuses: unknown job status "Running"');
    expect(await message(service.listJobs(TENANT, { nextToken: "x" }))).toBe("nextToken: the pagination token is not valid");
    expect(await message(service.updateJobPriority(TENANT, job.id, -1))).toBe("priority: must be an integer from 0 to 2147483647, got -1");
    expect(await message(service.updateJobStatus(TENANT, job.id, "Active"))).toBe('requestedJobStatus: must be Ready or Cancelled, got "Active"');
    expect(await message(service.updateJobStatus(TENANT, job.id, "Cancelled", "r".repeat(257)))).toBe("statusUpdateReason: must be at most 256 characters");
    const dup = [{ key: "k", value: "1" }, { key: "k", value: "2" }];
    expect(await message(service.putJobTags(TENANT, job.id, dup))).toBe('tags: the tag key "k" appears more than once');
    expect(await message(service.putJobTags(TENANT, job.id, [{ key: "", value: "v" }]))).toMatch(/^tags\.0\.key: /);
    expect(await message(service.createJob(TENANT, "not a request" as never))).toMatch(/^request: /);
  });
});

describe("policies", () => {
  it("can be registered after construction", async () => {
    const { service } = newService();
    service.registerPolicy(definePolicy({ name: "late", cancelImmediatelyFrom: [] }));
    const { job } = await service.createJob({ ...TENANT, dialect: "late" }, createInput());
    expect((await service.updateJobStatus({ ...TENANT, dialect: "late" }, job.id, "Cancelled")).status).toBe("Cancelling");
  });

  it("refuses a priority change only on a finished job when the policy forbids it, and allows it by default", async () => {
    const strict = { ...TENANT, dialect: "strict" };
    const { service } = newService({ policies: [definePolicy({ name: "strict", priorityChangeableWhenFinished: false })] });
    const running = (await service.createJob(strict, createInput())).job;
    expect((await service.updateJobPriority(strict, running.id, 3)).priority).toBe(3);
    const finished = (await service.createJob(TENANT, createInput())).job;
    await service.updateJobStatus(TENANT, finished.id, "Cancelled");
    expect((await service.updateJobPriority(TENANT, finished.id, 4)).priority).toBe(4);
  });
});

describe("time rules", () => {
  it("sweep counts the finished jobs it removes and the suspended ones it fails, and leaves the rest", async () => {
    const { service, clock } = newService();
    const finished = (await service.createJob(TENANT, createInput())).job;
    await service.updateJobStatus(TENANT, finished.id, "Cancelled");
    const suspended = (await service.createJob(TENANT, createInput({ confirmationRequired: true }))).job;
    await service.advance(suspended.id, "prepare");
    await service.advance(suspended.id, "awaitConfirmation");
    const active = (await service.createJob(TENANT, createInput())).job;
    await service.advance(active.id, "prepare");
    await service.advance(active.id, "prepared");
    await service.advance(active.id, "start");
    expect(await service.sweep()).toEqual({ removed: 0, expired: 0 });
    clock.advance(30 * DAY);
    expect(await service.sweep()).toEqual({ removed: 0, expired: 1 });
    clock.advance(60 * DAY);
    expect(await service.sweep()).toEqual({ removed: 1, expired: 0 });
    expect((await service.get(active.id))!.status).toBe("Active");
  });

  it("gives each job the instant its next time rule applies: Suspended and finished jobs only", async () => {
    const { service, clock } = newService();
    const { job } = await service.createJob(TENANT, createInput({ confirmationRequired: true }));
    expect(service.deadlineOf(job)).toBeUndefined();
    await service.advance(job.id, "prepare");
    const suspended = await service.advance(job.id, "awaitConfirmation");
    expect(service.deadlineOf(suspended)).toBe(clock.now() + 30 * DAY);
    clock.advance(DAY);
    const cancelled = await service.updateJobStatus(TENANT, job.id, "Cancelled");
    expect(service.deadlineOf(cancelled)).toBe(clock.now() + 90 * DAY);
    // A record without its date (written by an older version, say) has no deadline.
    expect(service.deadlineOf({ ...cancelled, terminationDate: undefined })).toBeUndefined();
    expect(service.deadlineOf({ ...suspended, suspendedDate: undefined })).toBeUndefined();
  });

  it("keeps a finished job visible until the last millisecond of its retention, in lists and pages", async () => {
    const { service, clock } = newService();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { job } = await service.createJob(TENANT, createInput());
      ids.push(job.id);
      clock.advance(1000);
    }
    // The two newest finish early; the two oldest stay New.
    await service.updateJobStatus(TENANT, ids[3]!, "Cancelled");
    await service.updateJobStatus(TENANT, ids[2]!, "Cancelled");
    clock.advance(90 * DAY - 1);
    expect((await service.listJobs(TENANT)).jobs).toHaveLength(4);
    clock.advance(1);
    // Expired jobs dropped while reading do not shorten a page: it is filled from the older ones.
    const page = await service.listJobs(TENANT, { maxResults: 1 });
    expect(page.jobs.map((j) => j.id)).toEqual([ids[1]]);
    expect(page.nextToken).toBe(ids[1]);
    const rest = await service.listJobs(TENANT, { maxResults: 1, nextToken: page.nextToken });
    expect(rest).toEqual({ jobs: [expect.objectContaining({ id: ids[0] })] });
  });
});
