import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { UnitStep, WorkLease, WorkLeaseStore, WorkUnitRange } from "../../core/ports.js";

/**
 * The WorkLeaseStore contract (see the port in src/core/ports.ts), as one vitest suite every
 * implementation runs: `testWorkLeases("my store", () => ({ store: new MyLeases() }))`.
 */

export interface WorkLeaseFixture {
  store: WorkLeaseStore;
  /** A second store over the same data (another process, or this one restarted). Required when durable. */
  reopen?(): WorkLeaseStore | Promise<WorkLeaseStore>;
  dispose?(): void | Promise<void>;
}

export type WorkLeaseFactory = () => WorkLeaseFixture | Promise<WorkLeaseFixture>;

export interface WorkLeaseSuiteOptions {
  /** Units, progress, rows and leases outlive the instance: checked through `reopen`. Default false. */
  durable?: boolean;
}

const T0 = Date.UTC(2026, 0, 1);
const LEASE = 30_000;
let serial = 0;
const run = Math.random().toString(16).slice(2, 8);

/** `n` units of `size` records each. */
export function evenUnits(n: number, size: number): WorkUnitRange[] {
  return Array.from({ length: n }, (_, i) => ({ start: i * size, end: (i + 1) * size }));
}

/** A step over records [from, to) of which the ones listed in `failed` failed; one row a record. */
export function stepOf(from: number, to: number, failed: readonly number[] = []): UnitStep {
  const step: UnitStep = { position: to, succeeded: 0, failed: 0, rows: { succeeded: [], failed: [] } };
  for (let i = from; i < to; i++) {
    const status = failed.includes(i) ? "failed" : "succeeded";
    step[status]++;
    step.rows[status].push(`row-${i},${status}\n`);
  }
  return step;
}

/** The report text `rows` gives: every chunk joined (strings of whole rows, or their bytes). */
async function allText(store: WorkLeaseStore, jobId: string, status: "succeeded" | "failed"): Promise<string> {
  let text = "";
  for await (const chunk of store.rows(jobId, status)) text += chunk instanceof Uint8Array ? new TextDecoder().decode(chunk) : chunk.join("");
  return text;
}

/** The rows `rows` gives, one a line (the suite's rows hold no line breaks of their own). */
async function allRows(store: WorkLeaseStore, jobId: string, status: "succeeded" | "failed"): Promise<string[]> {
  return (await allText(store, jobId, status)).match(/[^\n]*\n/g) ?? [];
}

export function testWorkLeases(name: string, factory: WorkLeaseFactory, options: WorkLeaseSuiteOptions = {}): void {
  describe(`WorkLeaseStore conformance: ${name}`, () => {
    let fx: WorkLeaseFixture;
    let store: WorkLeaseStore;
    beforeEach(async () => {
      fx = await factory();
      store = fx.store;
    });
    afterEach(async () => {
      await fx.dispose?.();
    });

    const newJob = () => `job-${run}-${++serial}`;
    const claim = (jobId: string, owner: string, limit = 1, now = T0, leaseMs = LEASE) => store.claim(jobId, { owner, limit, leaseMs, now });

    describe("plans", () => {
      it("plans a job once: a second plan changes nothing", async () => {
        const job = newJob();
        expect(await store.plan(job, evenUnits(3, 10))).toEqual({ planned: true, units: 3 });
        expect(await store.plan(job, evenUnits(5, 2))).toEqual({ planned: false, units: 3 });
        const s = (await store.summary(job, T0))!;
        expect(s).toMatchObject({ units: 3, done: 0, leased: 0, succeeded: 0, failed: 0, position: 0, rows: { succeeded: 0, failed: 0 } });
        expect(s.nextExpiry).toBeUndefined();
        expect(await store.jobs()).toContain(job);
      });

      it("accepts a job without records (no units)", async () => {
        const job = newJob();
        expect(await store.plan(job, [])).toEqual({ planned: true, units: 0 });
        expect(await store.summary(job, T0)).toMatchObject({ units: 0, done: 0, position: 0 });
        expect(await claim(job, "a")).toEqual([]);
      });

      it("rejects ranges that are not contiguous from 0", async () => {
        await expect(store.plan(newJob(), [{ start: 1, end: 5 }])).rejects.toThrow();
        await expect(store.plan(newJob(), [{ start: 0, end: 5 }, { start: 6, end: 9 }])).rejects.toThrow();
        await expect(store.plan(newJob(), [{ start: 0, end: 0 }])).rejects.toThrow();
      });

      it("answers nothing for a job it never planned", async () => {
        const job = newJob();
        expect(await store.summary(job, T0)).toBeUndefined();
        expect(await claim(job, "a")).toEqual([]);
        expect(await allRows(store, job, "succeeded")).toEqual([]);
      });
    });

    describe("claims", () => {
      it("hands out the lowest claimable units first, up to the limit, each under a new lease", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(4, 5));
        const got = await claim(job, "a", 2);
        expect(got.map((l) => [l.jobId, l.unit, l.start, l.end, l.position, l.owner, l.expiresAt])).toEqual([
          [job, 0, 0, 5, 0, "a", T0 + LEASE],
          [job, 1, 5, 10, 5, "a", T0 + LEASE],
        ]);
        expect(got[0]!.token).not.toEqual(got[1]!.token);
        const next = await claim(job, "b", 5);
        expect(next.map((l) => l.unit)).toEqual([2, 3]);
        expect(await claim(job, "c", 5)).toEqual([]);
        expect(await store.summary(job, T0)).toMatchObject({ leased: 4, nextExpiry: T0 + LEASE });
      });

      it("never gives one unit to two concurrent claims", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(10, 1));
        const claims = await Promise.all(["a", "b", "c", "d", "e"].map((owner) => claim(job, owner, 3)));
        const units = claims.flat().map((l) => l.unit);
        expect(units).toHaveLength(10);
        expect(new Set(units).size).toBe(10);
      });

      it("makes a unit claimable again once its lease expires, under a token it never had", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(1, 5));
        const [first] = await claim(job, "a");
        expect(await claim(job, "b", 1, T0 + LEASE - 1)).toEqual([]);
        expect(await store.summary(job, T0 + LEASE - 1)).toMatchObject({ leased: 1 });
        expect(await store.summary(job, T0 + LEASE)).toMatchObject({ leased: 0 });
        const [second] = await claim(job, "b", 1, T0 + LEASE);
        expect(second).toMatchObject({ unit: 0, owner: "b", expiresAt: T0 + 2 * LEASE });
        expect(second!.token).not.toEqual(first!.token);
        // Even the same owner claiming again gets a new token.
        const [third] = await claim(job, "b", 1, T0 + 3 * LEASE);
        expect(new Set([first!.token, second!.token, third!.token]).size).toBe(3);
      });

      it("keeps jobs apart", async () => {
        const [j1, j2] = [newJob(), newJob()];
        await store.plan(j1, evenUnits(1, 5));
        await store.plan(j2, evenUnits(1, 5));
        expect((await claim(j1, "a", 5)).map((l) => l.jobId)).toEqual([j1]);
        expect((await claim(j2, "a", 5)).map((l) => l.jobId)).toEqual([j2]);
      });
    });

    describe("fencing", () => {
      it("renews a held lease, and the unit stays taken until the new expiry", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(1, 5));
        const [lease] = await claim(job, "a");
        const renewed = await store.renew(lease!, LEASE, T0 + 20_000);
        expect(renewed).toMatchObject({ unit: 0, token: lease!.token, owner: "a", expiresAt: T0 + 20_000 + LEASE });
        expect(await claim(job, "b", 1, T0 + LEASE)).toEqual([]);
        expect(await claim(job, "b", 1, T0 + 20_000 + LEASE)).toHaveLength(1);
      });

      it("refuses every act under a lease that expired, even when nobody claimed the unit since", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(1, 5));
        const [lease] = await claim(job, "a");
        const late = T0 + LEASE;
        expect(await store.renew(lease!, LEASE, late)).toBeUndefined();
        expect(await store.record(lease!, stepOf(0, 2), late)).toBe(false);
        expect(await store.finish(lease!, stepOf(0, 5), late)).toBe(false);
        expect(await store.release(lease!, late)).toBe(false);
        expect(await store.summary(job, late)).toMatchObject({ done: 0, succeeded: 0, position: 0, rows: { succeeded: 0 } });
      });

      it("refuses the old owner once another claimed the unit: its step is not recorded", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(1, 5));
        const [old] = await claim(job, "a");
        const [fresh] = await claim(job, "b", 1, T0 + LEASE);
        const now = T0 + LEASE + 1;
        expect(await store.record(old!, stepOf(0, 2), now)).toBe(false);
        expect(await store.finish(old!, stepOf(0, 5), now)).toBe(false);
        expect(await store.renew(old!, LEASE, now)).toBeUndefined();
        expect(await store.release(old!, now)).toBe(false);
        expect(await store.finish(fresh!, stepOf(0, 5), now)).toBe(true);
        expect(await allRows(store, job, "succeeded")).toEqual(stepOf(0, 5).rows.succeeded);
        expect(await store.summary(job, now)).toMatchObject({ done: 1, succeeded: 5 });
      });

      it("refuses a forged token", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(1, 5));
        const [lease] = await claim(job, "a");
        expect(await store.record({ ...lease!, token: `${lease!.token}x` }, stepOf(0, 1), T0)).toBe(false);
      });
    });

    describe("progress and finishing", () => {
      it("records steps within a unit; a new owner resumes where the last recorded step left it", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(2, 10));
        const [lease] = await claim(job, "a");
        expect(await store.record(lease!, stepOf(0, 3), T0 + 1)).toBe(true);
        expect(await store.record(lease!, stepOf(3, 6, [4]), T0 + 2)).toBe(true);
        expect(await store.summary(job, T0 + 2)).toMatchObject({ succeeded: 5, failed: 1, position: 6, done: 0, rows: { succeeded: 5, failed: 1 } });
        // "a" dies; "b" takes the unit over once the lease expired.
        const [taken] = await claim(job, "b", 1, T0 + LEASE);
        expect(taken).toMatchObject({ unit: 0, position: 6 });
        expect(await store.finish(taken!, stepOf(6, 10), T0 + LEASE)).toBe(true);
        expect(await store.summary(job, T0 + LEASE)).toMatchObject({ done: 1, succeeded: 9, failed: 1, position: 10, leased: 0 });
        expect(await allRows(store, job, "succeeded")).toEqual(stepOf(0, 10, [4]).rows.succeeded);
        expect(await allRows(store, job, "failed")).toEqual(["row-4,failed\n"]);
      });

      it("does not hand out a finished unit again, nor accept anything more for it", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(1, 3));
        const [lease] = await claim(job, "a");
        expect(await store.finish(lease!, stepOf(0, 3), T0)).toBe(true);
        expect(await claim(job, "b", 1, T0 + 10 * LEASE)).toEqual([]);
        expect(await store.finish(lease!, stepOf(0, 3), T0)).toBe(false);
        expect(await store.record(lease!, stepOf(0, 1), T0)).toBe(false);
        expect(await store.renew(lease!, LEASE, T0)).toBeUndefined();
        expect(await store.summary(job, T0)).toMatchObject({ done: 1, succeeded: 3, rows: { succeeded: 3 } });
      });

      it("rejects a step that goes backwards, stands still or passes the unit's end, and a finish short of it", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(1, 5));
        const [lease] = await claim(job, "a");
        expect(await store.record(lease!, stepOf(0, 2), T0)).toBe(true);
        await expect(store.record(lease!, stepOf(2, 2), T0)).rejects.toThrow();
        await expect(store.record(lease!, { ...stepOf(2, 6), position: 6 }, T0)).rejects.toThrow();
        await expect(store.record(lease!, { ...stepOf(0, 1), position: 1 }, T0)).rejects.toThrow();
        await expect(store.finish(lease!, stepOf(2, 4), T0)).rejects.toThrow();
        // Nothing of the rejected steps was recorded.
        expect(await store.summary(job, T0)).toMatchObject({ position: 2, succeeded: 2, done: 0, rows: { succeeded: 2 } });
        expect(await store.finish(lease!, stepOf(2, 5), T0)).toBe(true);
      });

      it("gives the rows in manifest order whatever order units finish in", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(3, 4));
        const leases = await claim(job, "a", 3);
        const [u0, u1, u2] = leases as [WorkLease, WorkLease, WorkLease];
        expect(await store.finish(u2, stepOf(8, 12, [9, 10]), T0)).toBe(true);
        expect(await store.record(u0, stepOf(0, 1), T0)).toBe(true);
        expect(await store.finish(u1, stepOf(4, 8, [5]), T0)).toBe(true);
        expect(await store.summary(job, T0)).toMatchObject({ done: 2, position: 1, leased: 1, succeeded: 6, failed: 3 });
        expect(await store.finish(u0, stepOf(1, 4), T0)).toBe(true);
        const all = stepOf(0, 12, [5, 9, 10]);
        expect(await allRows(store, job, "succeeded")).toEqual(all.rows.succeeded);
        expect(await allRows(store, job, "failed")).toEqual(all.rows.failed);
        expect(await store.summary(job, T0)).toMatchObject({ units: 3, done: 3, position: 12, succeeded: 9, failed: 3, leased: 0, rows: { succeeded: 9, failed: 3 } });
      });

      it("counts tasks without rows (a report of failed tasks only keeps no succeeded rows)", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(1, 4));
        const [lease] = await claim(job, "a");
        const step = stepOf(0, 4, [2]);
        step.rows.succeeded = [];
        expect(await store.finish(lease!, step, T0)).toBe(true);
        expect(await store.summary(job, T0)).toMatchObject({ succeeded: 3, failed: 1, rows: { succeeded: 0, failed: 1 } });
      });

      it("keeps rows exactly as given: commas, quotes, line breaks and non-ASCII", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(1, 2));
        const [lease] = await claim(job, "a");
        const rows = ['b,"k,1 ""x""",,succeeded,200,,\n', "b,ünï✓\r\nnext,,failed,403,AccessDenied,no\n"];
        expect(await store.finish(lease!, { position: 2, succeeded: 2, failed: 0, rows: { succeeded: rows, failed: [] } }, T0)).toBe(true);
        expect(await allText(store, job, "succeeded")).toEqual(rows.join(""));
      });
    });

    describe("releasing", () => {
      it("release gives a unit back at once, its progress kept, and ends the old token", async () => {
        const job = newJob();
        await store.plan(job, evenUnits(1, 5));
        const [lease] = await claim(job, "a");
        expect(await store.record(lease!, stepOf(0, 2), T0)).toBe(true);
        expect(await store.release(lease!, T0)).toBe(true);
        expect(await store.summary(job, T0)).toMatchObject({ leased: 0, position: 2 });
        const [again] = await claim(job, "b", 1, T0);
        expect(again).toMatchObject({ unit: 0, position: 2, owner: "b" });
        expect(await store.record(lease!, stepOf(2, 3), T0)).toBe(false);
        expect(await store.release(lease!, T0)).toBe(false);
      });

      it("releaseOwner ends every lease of that owner, in every job, and no other", async () => {
        const [j1, j2] = [newJob(), newJob()];
        await store.plan(j1, evenUnits(2, 5));
        await store.plan(j2, evenUnits(2, 5));
        const mine = [...(await claim(j1, "a", 1)), ...(await claim(j2, "a", 1))];
        const theirs = await claim(j1, "b", 1);
        expect(await store.releaseOwner("a")).toBe(2);
        for (const lease of mine) expect(await store.record(lease, stepOf(lease.start, lease.start + 1), T0)).toBe(false);
        expect(await store.record(theirs[0]!, stepOf(5, 6), T0)).toBe(true);
        expect((await claim(j1, "c", 5)).map((l) => l.unit)).toEqual([0]);
        expect((await claim(j2, "c", 5)).map((l) => l.unit)).toEqual([0, 1]);
        expect(await store.releaseOwner("nobody")).toBe(0);
      });
    });

    describe("cleanup", () => {
      it("drop forgets a job's units, leases and rows; jobs lists what is planned", async () => {
        const [j1, j2] = [newJob(), newJob()];
        await store.plan(j1, evenUnits(1, 2));
        await store.plan(j2, evenUnits(1, 2));
        const [lease] = await claim(j1, "a");
        expect(await store.finish(lease!, stepOf(0, 2), T0)).toBe(true);
        await store.drop(j1);
        expect(await store.summary(j1, T0)).toBeUndefined();
        expect(await allRows(store, j1, "succeeded")).toEqual([]);
        const listed = await store.jobs();
        expect(listed).not.toContain(j1);
        expect(listed).toContain(j2);
        await store.drop(j1); // twice is fine
        // A dropped job may be planned anew.
        expect(await store.plan(j1, evenUnits(2, 1))).toEqual({ planned: true, units: 2 });
      });
    });

    if (options.durable) {
      describe("durability", () => {
        it("a reopened store sees the plan, the progress, the rows, finished units and live leases", async () => {
          const job = newJob();
          await store.plan(job, evenUnits(3, 4));
          const [u0, u1] = (await claim(job, "a", 2)) as [WorkLease, WorkLease];
          expect(await store.finish(u0, stepOf(0, 4, [1]), T0)).toBe(true);
          expect(await store.record(u1, stepOf(4, 6), T0)).toBe(true);

          const other = await fx.reopen!();
          expect(await other.plan(job, evenUnits(1, 12))).toEqual({ planned: false, units: 3 });
          expect(await other.summary(job, T0)).toMatchObject({ units: 3, done: 1, leased: 1, position: 6, succeeded: 5, failed: 1 });
          // The live lease holds across the reopen: unit 1 is not handed out, unit 2 is.
          const [u2] = await other.claim(job, { owner: "b", limit: 5, leaseMs: LEASE, now: T0 });
          expect(u2).toMatchObject({ unit: 2, position: 8 });
          expect(await other.finish(u1, stepOf(6, 8), T0)).toBe(true);
          expect(await other.finish(u2!, stepOf(8, 12), T0)).toBe(true);
          const again = await fx.reopen!();
          expect(await allRows(again, job, "succeeded")).toEqual(stepOf(0, 12, [1]).rows.succeeded);
          expect(await again.jobs()).toContain(job);
        });

        it("tokens stay unique across a reopen", async () => {
          const job = newJob();
          await store.plan(job, evenUnits(1, 4));
          const [first] = await claim(job, "a");
          const other = await fx.reopen!();
          const [second] = await other.claim(job, { owner: "a", limit: 1, leaseMs: LEASE, now: T0 + LEASE });
          expect(second!.token).not.toEqual(first!.token);
          expect(await other.record(first!, stepOf(0, 1), T0 + LEASE)).toBe(false);
        });
      });
    }
  });
}
