import { describe, expect, it } from "vitest";
import { ActionNotAllowedError, IdempotencyConflictError, InvalidArgumentError, InvalidTransitionError, JobNotFoundError, TooManyTagsError, type Job, type JobChange } from "../../src/index.js";
import { definePolicy } from "../../src/core/jobs/policy.js";
import { createInput, newService, TENANT } from "../support/jobs.js";

const DAY = 86_400_000;

describe("createJob", () => {
  it("creates a New job with every field of the request and unknown counters", async () => {
    const { service, clock } = newService();
    const input = createInput({ description: "tag confidential", tags: [{ key: "dept", value: "finance" }] });
    const { job, created } = await service.createJob(TENANT, input);
    expect(created).toBe(true);
    expect(job).toMatchObject({
      id: "00000000-0000-4000-8000-000000000001",
      status: "New",
      priority: 10,
      description: "tag confidential",
      confirmationRequired: false,
      role: "role/batch",
      operation: input.operation,
      manifest: input.manifest,
      report: input.report,
      tags: [{ key: "dept", value: "finance" }],
      creationTime: clock.now(),
      failureReasons: [],
      progress: { total: null, succeeded: null, failed: null, activeMs: 0, activeSince: null },
    });
    expect(await service.describeJob(TENANT, job.id)).toEqual(job);
  });

  it("returns the same job for the same token and the same request", async () => {
    const { service } = newService();
    const input = createInput();
    const first = await service.createJob(TENANT, input);
    const again = await service.createJob(TENANT, structuredClone(input));
    expect(again.created).toBe(false);
    expect(again.job.id).toBe(first.job.id);
    expect((await service.listJobs(TENANT)).jobs).toHaveLength(1);
  });

  it("refuses the same token with a different request, naming the job", async () => {
    const { service } = newService();
    const input = createInput();
    const { job } = await service.createJob(TENANT, input);
    const err = await service.createJob(TENANT, { ...input, priority: 11 }).catch((e) => e);
    expect(err).toBeInstanceOf(IdempotencyConflictError);
    expect(err.existingJobId).toBe(job.id);
  });

  it.each([
    ["account", { ...TENANT, account: "210987654321" }],
    ["dialect", { ...TENANT, dialect: "default" }],
  ])("scopes tokens to the tenant: the same token in another %s is another job", async (_, other) => {
    const { service } = newService();
    const input = createInput();
    const a = await service.createJob(TENANT, input);
    const b = await service.createJob(other, { ...input, priority: 99 });
    expect(b.created).toBe(true);
    expect(b.job.id).not.toBe(a.job.id);
  });

  it.each([
    ["priority", { priority: -1 }],
    ["priority", { priority: 2147483648 }],
    ["priority", { priority: 1.5 }],
    ["clientRequestToken", { clientRequestToken: "" }],
    ["clientRequestToken", { clientRequestToken: "x".repeat(65) }],
    ["description", { description: "d".repeat(257) }],
    ["role", { role: "" }],
    ["manifest", { generator: { sourceBucket: "b" } }],
    ["manifest", { manifest: undefined }],
    ["report.bucket", { report: { enabled: true } }],
    ["operation.type", { operation: { type: "explode" } }],
    ["operation.tags.0.key", { operation: { type: "putTagging", tags: [{ key: "", value: "v" }] } }],
  ])("names the field of an invalid request: %s", async (field, overrides) => {
    const { service, store } = newService();
    const err = await service.createJob(TENANT, createInput(overrides as never)).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.field).toBe(field);
    expect(await store.list({ tenant: TENANT, limit: 10 })).toEqual([]);
  });

  // Every member of the request is part of the idempotency digest: the same token with any one
  // of them changed is a conflict, never the old job handed back as if it were the new request.
  it.each([
    ["operation", { operation: { type: "deleteTagging" } }],
    ["operation parameters", { operation: { type: "putTagging", tags: [{ key: "confidential", value: "false" }] } }],
    ["manifest", { manifest: { location: { bucket: "manifests", key: "other.csv" }, format: "csv", fields: ["bucket", "key"] } }],
    ["generator instead of a manifest", { manifest: undefined, generator: { sourceBucket: "data" } }],
    ["report", { report: { enabled: false } }],
    ["role", { role: "role/other" }],
    ["description", { description: "another" }],
    ["confirmationRequired", { confirmationRequired: true }],
    ["tags", { tags: [{ key: "k", value: "v" }] }],
  ])("refuses the same token with another %s", async (_, change) => {
    const { service } = newService();
    const input = createInput();
    const { job } = await service.createJob(TENANT, input);
    const err = await service.createJob(TENANT, { ...input, ...(change as object) }).catch((e) => e);
    expect(err).toBeInstanceOf(IdempotencyConflictError);
    expect(err.existingJobId).toBe(job.id);
    expect((await service.listJobs(TENANT)).jobs).toHaveLength(1);
  });

  it("keeps the dialect's own data and counts it in the idempotency check", async () => {
    const { service } = newService();
    const input = createInput({ dialectData: { manifestArn: "arn:x:s3:::manifests/m.csv" } });
    const { job } = await service.createJob(TENANT, input);
    expect((await service.describeJob(TENANT, job.id)).dialectData).toEqual({ manifestArn: "arn:x:s3:::manifests/m.csv" });
    await expect(service.createJob(TENANT, { ...input, dialectData: { manifestArn: "other" } })).rejects.toBeInstanceOf(IdempotencyConflictError);
  });

  it("accepts the edges of the priority range", async () => {
    const { service } = newService();
    await expect(service.createJob(TENANT, createInput({ priority: 0 }))).resolves.toBeTruthy();
    await expect(service.createJob(TENANT, createInput({ priority: 2147483647 }))).resolves.toBeTruthy();
  });

  it("shapes ids with the dialect's policy", async () => {
    const policy = definePolicy({ name: "b64", jobId: (u) => Buffer.from(u.replace(/-/g, "")).toString("base64") });
    const { service } = newService({ policies: [policy] });
    const { job } = await service.createJob({ ...TENANT, dialect: "b64" }, createInput());
    expect(job.id).toMatch(/^[A-Za-z0-9]{43}=$/);
  });
});

describe("job tags", () => {
  const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));

  it("accepts 50 tags and refuses 51, at creation and on put", async () => {
    const { service } = newService();
    const { job } = await service.createJob(TENANT, createInput({ tags: tags(50) }));
    expect(await service.getJobTags(TENANT, job.id)).toHaveLength(50);
    await expect(service.createJob(TENANT, createInput({ tags: tags(51) }))).rejects.toBeInstanceOf(TooManyTagsError);
    await expect(service.putJobTags(TENANT, job.id, tags(51))).rejects.toMatchObject({ count: 51, limit: 50 });
    expect(await service.getJobTags(TENANT, job.id)).toHaveLength(50);
  });

  it("refuses duplicate keys and keys or values over the limits", async () => {
    const { service } = newService();
    const { job } = await service.createJob(TENANT, createInput());
    const dup = [
      { key: "a", value: "1" },
      { key: "a", value: "2" },
    ];
    await expect(service.putJobTags(TENANT, job.id, dup)).rejects.toMatchObject({ field: "tags" });
    await expect(service.putJobTags(TENANT, job.id, [{ key: "k".repeat(129), value: "" }])).rejects.toMatchObject({ field: "tags.0.key" });
    await expect(service.putJobTags(TENANT, job.id, [{ key: "k", value: "v".repeat(257) }])).rejects.toMatchObject({ field: "tags.0.value" });
  });

  it("replaces the whole set on put; delete and an empty put clear it", async () => {
    const { service } = newService();
    const { job } = await service.createJob(TENANT, createInput({ tags: [{ key: "a", value: "1" }] }));
    await service.putJobTags(TENANT, job.id, [{ key: "b", value: "" }]);
    expect(await service.getJobTags(TENANT, job.id)).toEqual([{ key: "b", value: "" }]);
    await service.deleteJobTags(TENANT, job.id);
    expect(await service.getJobTags(TENANT, job.id)).toEqual([]);
    await service.putJobTags(TENANT, job.id, [{ key: "c", value: "3" }]);
    await service.putJobTags(TENANT, job.id, []);
    expect(await service.getJobTags(TENANT, job.id)).toEqual([]);
  });
});

describe("listJobs", () => {
  async function seed(n: number) {
    const ctx = newService();
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      ids.push((await ctx.service.createJob(TENANT, createInput())).job.id);
      ctx.clock.advance(1000);
    }
    return { ...ctx, ids };
  }

  it("lists newest first and pages with a token until none is left", async () => {
    const { service, ids } = await seed(5);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await service.listJobs(TENANT, { maxResults: 2, nextToken: token });
      seen.push(...page.jobs.map((j) => j.id));
      token = page.nextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it("gives no token when the page holds exactly what remains", async () => {
    const { service } = await seed(2);
    expect((await service.listJobs(TENANT, { maxResults: 2 })).nextToken).toBeUndefined();
    expect((await service.listJobs(TENANT, { maxResults: 1 })).nextToken).toBeDefined();
  });

  it("orders jobs created in the same millisecond by id, without losing or repeating any", async () => {
    const { service } = newService();
    for (let i = 0; i < 7; i++) await service.createJob(TENANT, createInput());
    const first = await service.listJobs(TENANT, { maxResults: 3 });
    const second = await service.listJobs(TENANT, { maxResults: 3, nextToken: first.nextToken });
    const third = await service.listJobs(TENANT, { maxResults: 3, nextToken: second.nextToken });
    const all = [...first.jobs, ...second.jobs, ...third.jobs].map((j) => j.id);
    expect(new Set(all).size).toBe(7);
    expect(all).toEqual([...all].sort().reverse());
    expect(third.nextToken).toBeUndefined();
  });

  it("filters by status", async () => {
    const { service, ids } = await seed(3);
    await service.updateJobStatus(TENANT, ids[1]!, "Cancelled");
    const cancelled = await service.listJobs(TENANT, { statuses: ["Cancelled"] });
    expect(cancelled.jobs.map((j) => j.id)).toEqual([ids[1]]);
    const both = await service.listJobs(TENANT, { statuses: ["Cancelled", "New"] });
    expect(both.jobs).toHaveLength(3);
    expect((await service.listJobs(TENANT, { statuses: ["Active"] })).jobs).toEqual([]);
  });

  it.each([0, 1001, -1, 2.5])("refuses maxResults %s", async (maxResults) => {
    const { service } = newService();
    await expect(service.listJobs(TENANT, { maxResults })).rejects.toMatchObject({ field: "maxResults" });
  });

  it("accepts maxResults 1 and 1000", async () => {
    const { service } = await seed(2);
    expect((await service.listJobs(TENANT, { maxResults: 1 })).jobs).toHaveLength(1);
    expect((await service.listJobs(TENANT, { maxResults: 1000 })).jobs).toHaveLength(2);
  });

  it("refuses an unknown status and a token that names no job of the tenant", async () => {
    const { service, ids } = await seed(1);
    await expect(service.listJobs(TENANT, { statuses: ["Running"] })).rejects.toMatchObject({ field: "jobStatuses" });
    await expect(service.listJobs(TENANT, { nextToken: "garbage" })).rejects.toMatchObject({ field: "nextToken" });
    const other = { ...TENANT, account: "999999999999" };
    await expect(service.listJobs(other, { nextToken: ids[0] })).rejects.toMatchObject({ field: "nextToken" });
  });

  // A tenant is dialect + account + region: a job is invisible to a caller that differs in any one.
  it.each([
    ["dialect", { ...TENANT, dialect: "default" }],
    ["account", { ...TENANT, account: "999999999999" }],
    ["region", { ...TENANT, region: "eu-west-1" }],
  ])("never shows one tenant's jobs to another that differs only in its %s", async (_, other) => {
    const { service, ids } = await seed(2);
    const finished = ids[1]!;
    await service.updateJobStatus(TENANT, finished, "Cancelled");
    expect((await service.listJobs(other)).jobs).toEqual([]);
    await expect(service.listJobs(other, { nextToken: ids[0] })).rejects.toMatchObject({ field: "nextToken" });
    await expect(service.describeJob(other, ids[0]!)).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(service.updateJobPriority(other, ids[0]!, 1)).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(service.updateJobStatus(other, ids[0]!, "Cancelled")).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(service.getJobTags(other, ids[0]!)).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(service.putJobTags(other, ids[0]!, [])).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(service.deleteJob(other, finished)).rejects.toBeInstanceOf(JobNotFoundError);
    // Nothing the other tenant tried changed the jobs.
    expect(await service.describeJob(TENANT, ids[0]!)).toMatchObject({ status: "New", priority: 10 });
    expect((await service.describeJob(TENANT, finished)).status).toBe("Cancelled");
  });

});

describe("updateJobPriority", () => {
  it("changes the priority within 0..2147483647 and refuses the rest", async () => {
    const { service } = newService();
    const { job } = await service.createJob(TENANT, createInput());
    expect((await service.updateJobPriority(TENANT, job.id, 0)).priority).toBe(0);
    expect((await service.updateJobPriority(TENANT, job.id, 2147483647)).priority).toBe(2147483647);
    for (const p of [-1, 2147483648, 1.5, Number.NaN]) {
      await expect(service.updateJobPriority(TENANT, job.id, p)).rejects.toMatchObject({ field: "priority" });
    }
    await expect(service.updateJobPriority(TENANT, "nope", 1)).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it("is refused on a finished job when the policy says so", async () => {
    const policy = definePolicy({ name: "strict", priorityChangeableWhenFinished: false });
    const { service } = newService({ policies: [policy] });
    const tenant = { ...TENANT, dialect: "strict" };
    const { job } = await service.createJob(tenant, createInput());
    await service.updateJobStatus(tenant, job.id, "Cancelled");
    await expect(service.updateJobPriority(tenant, job.id, 3)).rejects.toBeInstanceOf(ActionNotAllowedError);
  });
});

describe("updateJobStatus", () => {
  async function jobIn(status: "Suspended" | "Active") {
    const ctx = newService();
    const { job } = await ctx.service.createJob(TENANT, createInput({ confirmationRequired: status === "Suspended" }));
    await ctx.service.advance(job.id, "prepare");
    await ctx.service.advance(job.id, status === "Suspended" ? "awaitConfirmation" : "prepared");
    if (status === "Active") await ctx.service.advance(job.id, "start");
    return { ...ctx, job };
  }

  it("confirms a Suspended job and keeps the reason", async () => {
    const { service, job, clock } = await jobIn("Suspended");
    expect((await service.describeJob(TENANT, job.id)).suspendedDate).toBe(clock.now());
    const ready = await service.updateJobStatus(TENANT, job.id, "Ready", "looks right");
    expect(ready).toMatchObject({ status: "Ready", statusUpdateReason: "looks right" });
  });

  it("cancels a running job through Cancelling and stamps terminationDate when it lands", async () => {
    const { service, job, clock } = await jobIn("Active");
    clock.advance(5000);
    const cancelling = await service.updateJobStatus(TENANT, job.id, "Cancelled");
    expect(cancelling.status).toBe("Cancelling");
    expect(cancelling.statusUpdateReason).toBeUndefined();
    expect(cancelling.progress.activeMs).toBe(5000);
    clock.advance(1000);
    const done = await service.advance(job.id, "cancelled");
    expect(done).toMatchObject({ status: "Cancelled", terminationDate: clock.now() });
  });

  it("refuses Ready on a running job and any request on a finished one, naming both statuses", async () => {
    const { service, job } = await jobIn("Active");
    const err = await service.updateJobStatus(TENANT, job.id, "Ready").catch((e) => e);
    expect(err).toBeInstanceOf(InvalidTransitionError);
    expect(err).toMatchObject({ current: "Active", requested: "Ready" });
    await service.updateJobStatus(TENANT, job.id, "Cancelled");
    await expect(service.updateJobStatus(TENANT, job.id, "Cancelled")).rejects.toMatchObject({ current: "Cancelling", requested: "Cancelled" });
  });

  it("refuses statuses a user cannot request and over-long reasons", async () => {
    const { service, job } = await jobIn("Suspended");
    await expect(service.updateJobStatus(TENANT, job.id, "Active")).rejects.toMatchObject({ field: "requestedJobStatus" });
    await expect(service.updateJobStatus(TENANT, job.id, "Ready", "r".repeat(257))).rejects.toMatchObject({ field: "statusUpdateReason" });
    expect((await service.describeJob(TENANT, job.id)).status).toBe("Suspended");
  });

  it("counts active time across pauses", async () => {
    const { service, job, clock } = await jobIn("Active");
    clock.advance(3000);
    await service.advance(job.id, "pause");
    clock.advance(10_000);
    await service.advance(job.id, "paused");
    await service.advance(job.id, "resume");
    clock.advance(2500);
    const finished = await service.advance(job.id, "finish");
    expect(finished.progress).toMatchObject({ activeMs: 5500, activeSince: null });
  });

  it("applies an engine event decided on a version only to that version (the pause across engines)", async () => {
    const { service, job } = await jobIn("Active");
    const seen = (await service.get(job.id))!.version;
    // Another engine's progress write lands between the decision and its write.
    await service.update(job.id, (d) => void (d.progress.succeeded = 3));
    const stale = await service.advance(job.id, "pause", undefined, seen);
    expect(stale).toMatchObject({ status: "Active", version: seen + 1 });
    const fresh = await service.advance(job.id, "pause", undefined, stale.version);
    expect(fresh).toMatchObject({ status: "Pausing", version: seen + 2 });
  });
});

describe("time rules", () => {
  it("fails a job left Suspended past the policy's window, at its deadline", async () => {
    const { service, clock } = newService();
    const { job } = await service.createJob(TENANT, createInput({ confirmationRequired: true }));
    await service.advance(job.id, "prepare");
    await service.advance(job.id, "awaitConfirmation");
    const suspendedAt = clock.now();
    clock.advance(30 * DAY - 1);
    expect((await service.describeJob(TENANT, job.id)).status).toBe("Suspended");
    clock.advance(5 * DAY);
    const failed = await service.describeJob(TENANT, job.id);
    expect(failed.status).toBe("Failed");
    expect(failed.terminationDate).toBe(suspendedAt + 30 * DAY);
    expect(failed.failureReasons).toEqual([{ code: "ConfirmationTimeout", reason: "The job was not confirmed within 30 days of being suspended" }]);
  });

  it("uses the dialect's window (14 days)", async () => {
    const policy = definePolicy({ name: "fortnight", suspendedTimeoutMs: 14 * DAY });
    const { service, clock } = newService({ policies: [policy] });
    const tenant = { ...TENANT, dialect: "fortnight" };
    const { job } = await service.createJob(tenant, createInput({ confirmationRequired: true }));
    await service.advance(job.id, "prepare");
    await service.advance(job.id, "awaitConfirmation");
    clock.advance(14 * DAY);
    expect((await service.sweep()).expired).toBe(1);
    expect((await service.describeJob(tenant, job.id)).status).toBe("Failed");
  });

  it("removes finished jobs after the retention period, and frees their token", async () => {
    const { service, clock } = newService();
    const input = createInput();
    const { job } = await service.createJob(TENANT, input);
    await service.updateJobStatus(TENANT, job.id, "Cancelled");
    clock.advance(90 * DAY - 1);
    expect((await service.listJobs(TENANT)).jobs).toHaveLength(1);
    clock.advance(1);
    expect((await service.listJobs(TENANT)).jobs).toEqual([]);
    await expect(service.describeJob(TENANT, job.id)).rejects.toBeInstanceOf(JobNotFoundError);
    const again = await service.createJob(TENANT, input);
    expect(again.created).toBe(true);
    expect(again.job.id).not.toBe(job.id);
  });

  it("keeps unfinished jobs however old", async () => {
    const { service, clock } = newService();
    const { job } = await service.createJob(TENANT, createInput());
    clock.advance(1000 * DAY);
    expect((await service.sweep()).removed).toBe(0);
    expect((await service.describeJob(TENANT, job.id)).status).toBe("New");
  });
});

describe("deleteJob and listeners", () => {
  it("deletes only finished jobs and tells listeners about every write", async () => {
    const { service } = newService();
    const seen: [string, JobChange["type"]][] = [];
    service.subscribe((job: Job, change: JobChange) => seen.push([job.status, change.type]));
    const { job } = await service.createJob(TENANT, createInput());
    await expect(service.deleteJob(TENANT, job.id)).rejects.toBeInstanceOf(ActionNotAllowedError);
    await service.updateJobStatus(TENANT, job.id, "Cancelled");
    await service.deleteJob(TENANT, job.id);
    await expect(service.describeJob(TENANT, job.id)).rejects.toBeInstanceOf(JobNotFoundError);
    expect(seen).toEqual([
      ["New", "created"],
      ["Cancelled", "status"],
      ["Cancelled", "deleted"],
    ]);
  });

  it("retries a write that lost a race and keeps both changes", async () => {
    const { service, store } = newService();
    const { job } = await service.createJob(TENANT, createInput());
    const realReplace = store.replace.bind(store);
    let raced = false;
    store.replace = async (next, expected) => {
      if (!raced) {
        raced = true;
        const other = (await store.get(job.id))!;
        await realReplace({ ...other, tags: [{ key: "race", value: "won" }], version: other.version + 1 }, other.version);
      }
      return realReplace(next, expected);
    };
    const updated = await service.updateJobPriority(TENANT, job.id, 77);
    expect(updated.priority).toBe(77);
    expect(updated.tags).toEqual([{ key: "race", value: "won" }]);
  });
});
