import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Tenant } from "../../core/model/common.js";
import { jobSchema, type Job, type JobStatus } from "../../core/model/index.js";
import type { JobListing, JobStore } from "../../core/ports.js";

/**
 * The JobStore contract, as one vitest suite every implementation runs: memory, filesystem, or the
 * database an emulator keeps its jobs in. `testJobStore("my store", () => ({ store: new MyStore() }))`.
 */

export interface JobStoreFixture {
  store: JobStore;
  /**
   * A second store over the same data, as another process (or this one after a restart) would
   * open it. Required when the suite is told the store is durable.
   */
  reopen?(): JobStore | Promise<JobStore>;
  dispose?(): void | Promise<void>;
}

export type JobStoreFactory = () => JobStoreFixture | Promise<JobStoreFixture>;

export interface JobStoreSuiteOptions {
  /**
   * The store keeps its jobs beyond the life of one instance: the suite then also checks that a
   * reopened store sees every job, token and version, and that compare-and-set holds between two
   * instances writing at once. Default false.
   */
  durable?: boolean;
}

const TENANT_A: Tenant = { dialect: "conformance", account: "111111111111", region: "us-east-1" };
const TENANT_B: Tenant = { dialect: "conformance", account: "222222222222", region: "us-east-1" };

let serial = 0;
const run = Math.random().toString(16).slice(2, 8);

/** A valid job; ids and tokens are unique within a run unless given. */
export function sampleJob(overrides: Partial<Job> = {}): Job {
  const n = ++serial;
  const job: Job = {
    id: `job-${run}-${n}`,
    tenant: TENANT_A,
    status: "New",
    priority: 10,
    confirmationRequired: false,
    clientRequestToken: `token-${run}-${n}`,
    requestDigest: "0".repeat(64),
    role: "role/batch",
    operation: { type: "putTagging", tags: [{ key: "k", value: "v" }] },
    manifest: { location: { bucket: "manifests", key: "m.csv" }, format: "csv", fields: ["bucket", "key"] },
    report: { enabled: true, bucket: "reports", prefix: "r", scope: "AllTasks" },
    progress: { total: null, succeeded: null, failed: null, activeMs: 0, activeSince: null },
    failureReasons: [],
    creationTime: Date.UTC(2026, 0, 1) + n,
    tags: [],
    version: 1,
    ...overrides,
  };
  return jobSchema.parse(job) as Job;
}

/** What `list` must give of a job (a store may give the whole job). */
export function listingOf(job: Job): JobListing {
  const { id, tenant, status, priority, description, progress, creationTime, terminationDate, suspendedDate, version } = job;
  const listing: JobListing = { id, tenant, status, priority, progress, creationTime, version, operation: { type: job.operation.type } };
  if (description !== undefined) listing.description = description;
  if (terminationDate !== undefined) listing.terminationDate = terminationDate;
  if (suspendedDate !== undefined) listing.suspendedDate = suspendedDate;
  return listing;
}

/** Matches a listed item against a job: its listing fields equal, whether the store gave more or not. */
const listingLike = (job: Job) =>
  expect.objectContaining({ ...listingOf(job), operation: expect.objectContaining({ type: job.operation.type }) }) as unknown as JobListing;

export function testJobStore(name: string, factory: JobStoreFactory, options: JobStoreSuiteOptions = {}): void {
  describe(`JobStore conformance: ${name}`, () => {
    let fx: JobStoreFixture;
    let store: JobStore;
    beforeEach(async () => {
      fx = await factory();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.dispose?.();
    });

    /** Inserts jobs that must go in. */
    async function insertAll(...jobs: Job[]): Promise<Job[]> {
      for (const job of jobs) expect(await store.insert(job)).toEqual({ inserted: true });
      return jobs;
    }

    const next = (job: Job, change: Partial<Job> = {}): Job => ({ ...structuredClone(job), ...change, version: job.version + 1 });

    describe("insert and get", () => {
      it("gives back the job as inserted, nested engine and dialect state included", async () => {
        const job = sampleJob({
          description: "with state",
          checkpoint: { manifestOffset: 1234, counters: { ok: 3, failed: [1, 2] }, rows: ["a", "b"] },
          dialectData: { roleArn: "arn:example:role", nested: { deep: [true, null, 1.5] } },
          tags: [{ key: "team", value: "ünïcode ✓" }],
        });
        await insertAll(job);
        expect(await store.get(job.id)).toEqual(job);
      });

      it("answers undefined for a job it does not hold", async () => {
        expect(await store.get(`missing-${run}`)).toBeUndefined();
      });

      it("keeps its own copy: changing a job given or received changes nothing stored", async () => {
        const job = sampleJob();
        await insertAll(job);
        job.priority = 99;
        const read = (await store.get(job.id))!;
        expect(read.priority).toBe(10);
        read.tags.push({ key: "x", value: "y" });
        expect((await store.get(job.id))!.tags).toEqual([]);
      });

      it("treats ids as opaque strings, whatever characters they hold", async () => {
        const odd = ["a/b", "../../escape", ".", "with space", "ünï✓", "x".repeat(200), "dot.", "CON", "a\\b"].map((s) => `${s}-${run}`);
        const jobs = odd.map((id) => sampleJob({ id }));
        await insertAll(...jobs);
        for (const job of jobs) expect(await store.get(job.id)).toEqual(job);
        const listed = await store.list({ tenant: TENANT_A, limit: 1000 });
        expect(listed.map((j) => j.id).sort()).toEqual(expect.arrayContaining([...odd].sort()));
        for (const job of jobs) expect(await store.delete(job.id, job.version)).toBe(true);
        for (const job of jobs) expect(await store.get(job.id)).toBeUndefined();
      });
    });

    describe("client request tokens", () => {
      it("inserts one job a tenant and token, and answers the first with the second", async () => {
        const first = sampleJob({ clientRequestToken: `same-${run}` });
        const second = sampleJob({ clientRequestToken: `same-${run}` });
        await insertAll(first);
        expect(await store.insert(second)).toEqual({ inserted: false, existing: first });
        expect(await store.get(second.id)).toBeUndefined();
      });

      it("keeps tokens apart between tenants", async () => {
        const token = `shared-${run}`;
        const jobs = [
          sampleJob({ clientRequestToken: token }),
          sampleJob({ clientRequestToken: token, tenant: TENANT_B }),
          sampleJob({ clientRequestToken: token, tenant: { ...TENANT_A, region: "eu-west-1" } }),
          sampleJob({ clientRequestToken: token, tenant: { ...TENANT_A, dialect: "other" } }),
        ];
        await insertAll(...jobs);
        for (const job of jobs) expect(await store.findByToken(job.tenant, token)).toEqual(job);
      });

      it("finds a job by its token, and nothing for an unknown token", async () => {
        const job = sampleJob();
        await insertAll(job);
        expect(await store.findByToken(TENANT_A, job.clientRequestToken)).toEqual(job);
        expect(await store.findByToken(TENANT_A, `unknown-${run}`)).toBeUndefined();
        expect(await store.findByToken(TENANT_B, job.clientRequestToken)).toBeUndefined();
      });

      it("refuses a second job with an id already taken", async () => {
        const job = sampleJob();
        await insertAll(job);
        await expect(store.insert(sampleJob({ id: job.id }))).rejects.toThrow();
        expect(await store.get(job.id)).toEqual(job);
      });

      it("lets exactly one of many concurrent inserts with the same token in", async () => {
        const token = `race-${run}`;
        const jobs = Array.from({ length: 12 }, () => sampleJob({ clientRequestToken: token }));
        const results = await Promise.all(jobs.map((j) => store.insert(j)));
        const winners = jobs.filter((_, i) => results[i]!.inserted);
        expect(winners).toHaveLength(1);
        for (const r of results) if (!r.inserted) expect(r.existing).toEqual(winners[0]);
        for (const j of jobs) expect(await store.get(j.id)).toEqual(j === winners[0] ? j : undefined);
      });
    });

    describe("compare-and-set", () => {
      it("replaces a job whose version is still the expected one", async () => {
        const [job] = await insertAll(sampleJob());
        const updated = next(job!, { status: "Ready", checkpoint: { position: 10 } });
        expect(await store.replace(updated, job!.version)).toBe(true);
        expect(await store.get(job!.id)).toEqual(updated);
      });

      it("refuses a stale version, a version that does not follow, and a job it does not hold", async () => {
        const [job] = await insertAll(sampleJob());
        const v2 = next(job!, { priority: 2 });
        expect(await store.replace(v2, job!.version)).toBe(true);
        expect(await store.replace(next(job!, { priority: 3 }), job!.version)).toBe(false);
        expect(await store.replace({ ...next(v2, { priority: 4 }), version: v2.version + 2 }, v2.version)).toBe(false);
        expect(await store.replace({ ...v2, version: v2.version }, v2.version)).toBe(false);
        expect(await store.replace(next(sampleJob()), 1)).toBe(false);
        expect(await store.get(job!.id)).toEqual(v2);
      });

      it("lets exactly one of many concurrent writers of one version win", async () => {
        const [job] = await insertAll(sampleJob());
        const drafts = Array.from({ length: 12 }, (_, i) => next(job!, { priority: 100 + i }));
        const results = await Promise.all(drafts.map((d) => store.replace(d, job!.version)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.get(job!.id)).toEqual(drafts[results.indexOf(true)]);
      });

      it("keeps a long run of versions in order", async () => {
        let [job] = await insertAll(sampleJob());
        for (let i = 0; i < 25; i++) {
          const updated = next(job!, { checkpoint: { step: i } });
          expect(await store.replace(updated, job!.version)).toBe(true);
          job = updated;
        }
        expect(await store.get(job!.id)).toEqual(job);
        expect(job!.version).toBe(26);
      });
    });

    describe("delete", () => {
      it("deletes a job at the expected version and frees its token", async () => {
        const [job] = await insertAll(sampleJob());
        expect(await store.delete(job!.id, job!.version + 1)).toBe(false);
        expect(await store.get(job!.id)).toEqual(job);
        expect(await store.delete(job!.id, job!.version)).toBe(true);
        expect(await store.get(job!.id)).toBeUndefined();
        expect(await store.findByToken(TENANT_A, job!.clientRequestToken)).toBeUndefined();
        expect((await store.list({ tenant: TENANT_A, limit: 1000 })).map((j) => j.id)).not.toContain(job!.id);
        expect(await store.delete(job!.id, job!.version)).toBe(false);
        const again = sampleJob({ clientRequestToken: job!.clientRequestToken });
        expect(await store.insert(again)).toEqual({ inserted: true });
      });

      it("refuses to delete once another writer changed the job", async () => {
        const [job] = await insertAll(sampleJob());
        const updated = next(job!, { status: "Ready" });
        const [replaced, deleted] = await Promise.all([store.replace(updated, job!.version), store.delete(job!.id, job!.version)]);
        expect([replaced, deleted].filter(Boolean)).toHaveLength(1);
        expect(await store.get(job!.id)).toEqual(replaced ? updated : undefined);
        expect(await store.replace(next(job!), job!.version)).toBe(false);
      });
    });

    describe("list and scan", () => {
      it("lists one tenant's jobs, newest first, ties broken by id descending", async () => {
        const t = Date.UTC(2030, 0, 1);
        const jobs = await insertAll(
          sampleJob({ id: `l-${run}-b`, creationTime: t }),
          sampleJob({ id: `l-${run}-a`, creationTime: t }),
          sampleJob({ id: `l-${run}-c`, creationTime: t + 5 }),
          sampleJob({ id: `l-${run}-z`, creationTime: t - 5 }),
          sampleJob({ id: `l-${run}-other`, creationTime: t + 10, tenant: TENANT_B }),
        );
        const listed = await store.list({ tenant: TENANT_A, limit: 1000 });
        const mine = listed.filter((j) => j.id.startsWith(`l-${run}-`)).map((j) => j.id);
        expect(mine).toEqual([`l-${run}-c`, `l-${run}-b`, `l-${run}-a`, `l-${run}-z`]);
        expect(listed[0]!.creationTime).toBeGreaterThanOrEqual(t + 5);
        expect(await store.list({ tenant: TENANT_B, limit: 1000 })).toContainEqual(listingLike(jobs[4]!));
        expect((await store.list({ tenant: TENANT_B, limit: 1000 })).every((j) => j.tenant.account === TENANT_B.account)).toBe(true);
      });

      it("filters by status (none or an empty list meaning every status) and honours the limit", async () => {
        const tenant = { ...TENANT_A, account: `acct-${run}-filter` };
        const statuses: JobStatus[] = ["New", "Active", "Complete", "Active", "Failed"];
        const jobs = await insertAll(...statuses.map((status) => sampleJob({ tenant, status })));
        expect((await store.list({ tenant, limit: 100 })).map((j) => j.id)).toEqual(jobs.map((j) => j.id).reverse());
        expect(await store.list({ tenant, statuses: [], limit: 100 })).toHaveLength(5);
        const active = await store.list({ tenant, statuses: ["Active", "Failed"], limit: 100 });
        expect(active.map((j) => j.status)).toEqual(["Failed", "Active", "Active"]);
        expect(await store.list({ tenant, statuses: ["Active"], limit: 1 })).toEqual([listingLike(jobs[3]!)]);
      });

      it("lists each job with what ListJobs shows of it, as last written", async () => {
        const tenant = { ...TENANT_A, account: `acct-${run}-listing` };
        const t = Date.UTC(2030, 0, 1);
        const [plain, full] = await insertAll(
          sampleJob({ tenant, creationTime: t }),
          sampleJob({
            tenant,
            creationTime: t + 1,
            status: "Suspended",
            description: "a job ✓ with <xml> & \"quotes\"",
            suspendedDate: t + 2,
            operation: { type: "copy", targetBucket: "elsewhere" },
            progress: { total: 7, succeeded: 3, failed: 1, activeMs: 1500, activeSince: t + 3 },
          }),
        );
        expect(await store.list({ tenant, limit: 10 })).toEqual([listingLike(full!), listingLike(plain!)]);
        const ended = next(full!, { status: "Complete", terminationDate: t + 9, progress: { total: 7, succeeded: 6, failed: 1, activeMs: 4000, activeSince: null } });
        expect(await store.replace(ended, full!.version)).toBe(true);
        const [first] = await store.list({ tenant, limit: 1 });
        expect(first).toEqual(listingLike(ended));
        expect(first).toMatchObject({ status: "Complete", terminationDate: t + 9, suspendedDate: t + 2, operation: { type: "copy" }, description: full!.description });
        expect(first!.progress).toEqual(ended.progress);
      });

      it("continues after a position, exclusive, so that pages cover every job once", async () => {
        const tenant = { ...TENANT_A, account: `acct-${run}-pages` };
        const t = Date.UTC(2030, 0, 1);
        const jobs = await insertAll(
          ...Array.from({ length: 11 }, (_, i) => sampleJob({ tenant, id: `p-${run}-${String(i).padStart(2, "0")}`, creationTime: t + Math.floor(i / 3) })),
        );
        const seen: string[] = [];
        let after: { creationTime: number; id: string } | undefined;
        for (;;) {
          const page = await store.list({ tenant, after, limit: 4 });
          seen.push(...page.map((j) => j.id));
          if (page.length < 4) break;
          const last = page[page.length - 1]!;
          after = { creationTime: last.creationTime, id: last.id };
        }
        const expected = [...jobs].sort((a, b) => b.creationTime - a.creationTime || (a.id < b.id ? 1 : -1)).map((j) => j.id);
        expect(seen).toEqual(expected);
        const anchor = jobs[4]!;
        const rest = await store.list({ tenant, after: { creationTime: anchor.creationTime, id: anchor.id }, limit: 100 });
        expect(rest.map((j) => j.id)).toEqual(expected.slice(expected.indexOf(anchor.id) + 1));
      });

      it("scans every tenant's jobs in the given statuses", async () => {
        const a = sampleJob({ status: "Active", id: `s-${run}-a` });
        const b = sampleJob({ status: "Active", tenant: TENANT_B, id: `s-${run}-b` });
        const c = sampleJob({ status: "Pausing", tenant: TENANT_B, id: `s-${run}-c` });
        const d = sampleJob({ status: "Complete", id: `s-${run}-d` });
        await insertAll(a, b, c, d);
        const found = (await store.scan(["Active", "Pausing"])).filter((j) => j.id.startsWith(`s-${run}-`));
        expect(found.sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([a, b, c]);
        expect((await store.scan([])).filter((j) => j.id.startsWith(`s-${run}-`))).toEqual([]);
        const updated = next(a, { status: "Complete" });
        await store.replace(updated, a.version);
        expect((await store.scan(["Active"])).filter((j) => j.id.startsWith(`s-${run}-`))).toEqual([b]);
      });
    });

    if (options.durable) {
      describe("durability", () => {
        const reopen = async () => {
          if (!fx.reopen) throw new Error("the suite was told the store is durable, but the fixture has no reopen()");
          return fx.reopen();
        };

        it("shows a reopened store every job, token and version", async () => {
          const [job, gone] = await insertAll(sampleJob({ checkpoint: { at: 1 } }), sampleJob());
          const updated = next(job!, { status: "Active", checkpoint: { at: 2 } });
          expect(await store.replace(updated, job!.version)).toBe(true);
          expect(await store.delete(gone!.id, gone!.version)).toBe(true);
          const again = await reopen();
          expect(await again.get(job!.id)).toEqual(updated);
          expect(await again.get(gone!.id)).toBeUndefined();
          expect(await again.findByToken(TENANT_A, job!.clientRequestToken)).toEqual(updated);
          expect(await again.findByToken(TENANT_A, gone!.clientRequestToken)).toBeUndefined();
          expect(await again.insert(sampleJob({ clientRequestToken: job!.clientRequestToken }))).toEqual({ inserted: false, existing: updated });
          expect((await again.scan(["Active"])).map((j) => j.id)).toContain(job!.id);
          expect(await again.replace(next(updated), updated.version)).toBe(true);
          expect(await store.get(job!.id)).toEqual(next(updated));
        });

        it("holds compare-and-set and token uniqueness between two instances writing at once", async () => {
          const other = await reopen();
          const [job] = await insertAll(sampleJob());
          const drafts = Array.from({ length: 10 }, (_, i) => next(job!, { priority: 200 + i }));
          const results = await Promise.all(drafts.map((d, i) => (i % 2 ? other : store).replace(d, job!.version)));
          expect(results.filter(Boolean)).toHaveLength(1);
          const winner = drafts[results.indexOf(true)];
          expect(await store.get(job!.id)).toEqual(winner);
          expect(await other.get(job!.id)).toEqual(winner);

          const token = `two-${run}`;
          const jobs = Array.from({ length: 10 }, () => sampleJob({ clientRequestToken: token }));
          const inserts = await Promise.all(jobs.map((j, i) => (i % 2 ? other : store).insert(j)));
          expect(inserts.filter((r) => r.inserted)).toHaveLength(1);
        });
      });
    }
  });
}
