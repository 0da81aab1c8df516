import { createHash, randomUUID } from "node:crypto";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import {
  applyStep,
  checkPlan,
  checkStep,
  claimable,
  holds,
  leaseOf,
  newUnit,
  summarize,
  type UnitState,
} from "../core/leases/memory-work-leases.js";
import type { ClaimRequest, UnitStep, WorkLease, WorkLeaseStore, WorkSummary, WorkUnitRange } from "../core/ports.js";
import { linkExclusive, readJson, sweepTmp, tmpName, unless, writeAtomic, writeTmp, type WriteOptions } from "./fs/files.js";
import { KeyedMutex } from "../core/keyed-mutex.js";

export interface FsWorkLeasesOptions {
  /** The data directory; work lives under `<dir>/.batchplane/work/`. */
  dir: string;
  /** Flush every write to the device before answering (default true). */
  fsync?: boolean;
}

interface PlanFile {
  id: string;
  units: [number, number][];
}

interface StepFile extends UnitStep {
  done: boolean;
}

type LeaseFile = NonNullable<UnitState["lease"]>;

const STEP_FILE = /^s-(\d+)-(\d+)\.json$/;
const LEASE_FILE = /^l-(\d+)\.json$/;

/**
 * Work leases on disk, for one process per data directory (next to FsJobStore). One directory a
 * job under `.batchplane/work/` (named by a hash of the job id) holds:
 * - `plan.json`: the job id and its units, linked into place once (the first plan wins);
 * - `s-<unit>-<step>.json`: one file a recorded step (counters, rows, done), written whole and
 *   linked into place, never changed: a step is recorded entirely or not at all;
 * - `l-<unit>.json`: the unit's lease (owner, token, expiry), replaced atomically; absent when free.
 * A job's state is read from its directory once and then kept in memory (this process is the only
 * writer); its rows are read back from the step files when the report is built. Dropping a job
 * renames its directory into the temporary directory first, so that a crash mid-way leaves no half
 * job: what remains there is swept at the next start. Tokens are `<owner>#<uuid>`: unique across
 * restarts.
 */
export class FsWorkLeases implements WorkLeaseStore {
  private readonly root: string;
  private readonly tmpDir: string;
  private readonly write: WriteOptions;
  private readonly locks = new KeyedMutex();
  private readonly loaded = new Map<string, UnitState[] | undefined>();
  private ready?: Promise<void>;

  constructor(options: FsWorkLeasesOptions | string) {
    const { dir, fsync = true } = typeof options === "string" ? { dir: options } : options;
    this.root = join(dir, ".batchplane", "work");
    this.tmpDir = join(dir, ".batchplane", "tmp");
    this.write = { fsync };
  }

  plan(jobId: string, units: readonly WorkUnitRange[]): Promise<{ planned: boolean; units: number }> {
    return this.locked(jobId, async () => {
      const existing = await this.load(jobId);
      if (existing) return { planned: false, units: existing.length };
      checkPlan(jobId, units);
      const dir = this.jobDir(jobId);
      await fs.mkdir(dir, { recursive: true });
      const plan: PlanFile = { id: jobId, units: units.map((u) => [u.start, u.end]) };
      const tmp = await writeTmp(this.tmpDir, JSON.stringify(plan), this.write);
      if (!(await linkExclusive(tmp, join(dir, "plan.json"), this.write))) {
        this.loaded.delete(jobId);
        return { planned: false, units: (await this.load(jobId))?.length ?? 0 };
      }
      this.loaded.set(jobId, units.map(newUnit));
      return { planned: true, units: units.length };
    });
  }

  claim(jobId: string, request: ClaimRequest): Promise<WorkLease[]> {
    return this.locked(jobId, async () => {
      const units = (await this.load(jobId)) ?? [];
      const got: WorkLease[] = [];
      for (let n = 0; n < units.length && got.length < request.limit; n++) {
        const unit = units[n]!;
        if (!claimable(unit, request.now)) continue;
        await this.setLease(jobId, n, unit, { owner: request.owner, token: `${request.owner}#${randomUUID()}`, expiresAt: request.now + request.leaseMs });
        got.push(leaseOf(jobId, n, unit));
      }
      return got;
    });
  }

  renew(lease: WorkLease, leaseMs: number, now: number): Promise<WorkLease | undefined> {
    return this.held(lease, now, undefined, async (unit) => {
      await this.setLease(lease.jobId, lease.unit, unit, { ...unit.lease!, expiresAt: now + leaseMs });
      return leaseOf(lease.jobId, lease.unit, unit);
    });
  }

  record(lease: WorkLease, step: UnitStep, now: number): Promise<boolean> {
    return this.held(lease, now, false, (unit) => this.addStep(lease, unit, step, false));
  }

  finish(lease: WorkLease, step: UnitStep, now: number): Promise<boolean> {
    return this.held(lease, now, false, (unit) => this.addStep(lease, unit, step, true));
  }

  release(lease: WorkLease, now: number): Promise<boolean> {
    return this.held(lease, now, false, async (unit) => {
      await this.setLease(lease.jobId, lease.unit, unit, undefined);
      return true;
    });
  }

  async releaseOwner(owner: string): Promise<number> {
    let n = 0;
    for (const jobId of await this.jobs()) {
      n += await this.locked(jobId, async () => {
        let mine = 0;
        const units = (await this.load(jobId)) ?? [];
        for (let u = 0; u < units.length; u++) {
          if (units[u]!.lease?.owner !== owner) continue;
          await this.setLease(jobId, u, units[u]!, undefined);
          mine++;
        }
        return mine;
      });
    }
    return n;
  }

  summary(jobId: string, now: number): Promise<WorkSummary | undefined> {
    return this.locked(jobId, async () => {
      const units = await this.load(jobId);
      return units && summarize(units, now);
    });
  }

  async *rows(jobId: string, status: "succeeded" | "failed"): AsyncIterable<string[]> {
    const units = await this.locked(jobId, () => this.load(jobId));
    if (!units) return;
    const dir = this.jobDir(jobId);
    for (let u = 0; u < units.length; u++) {
      for (let s = 1; s <= units[u]!.steps; s++) {
        const step = await readJson<StepFile>(join(dir, stepName(u, s)));
        if (!step) throw new Error(`step ${s} of unit ${u} of job ${jobId} is missing from ${dir}`);
        if (step.rows[status].length > 0) yield step.rows[status];
      }
    }
  }

  drop(jobId: string): Promise<void> {
    return this.locked(jobId, async () => {
      this.loaded.delete(jobId);
      const gone = tmpName(this.tmpDir);
      await unless(["ENOENT"], () => fs.rename(this.jobDir(jobId), gone), undefined);
      await fs.rm(gone, { recursive: true, force: true });
    });
  }

  async jobs(): Promise<string[]> {
    await this.open();
    const ids: string[] = [];
    for (const name of await fs.readdir(this.root)) {
      const plan = await readJson<PlanFile>(join(this.root, name, "plan.json"));
      if (plan) ids.push(plan.id);
    }
    return ids;
  }

  // ------------------------------------------------------------------ internals

  private open(): Promise<void> {
    this.ready ??= (async () => {
      for (const dir of [this.root, this.tmpDir]) await fs.mkdir(dir, { recursive: true });
      await sweepTmp(this.tmpDir);
    })();
    return this.ready;
  }

  private async locked<T>(jobId: string, fn: () => Promise<T>): Promise<T> {
    await this.open();
    return this.locks.run(jobId, fn);
  }

  /** Runs `fn` on the unit a lease names while the lease holds, else answers `lost`. */
  private held<T>(lease: WorkLease, now: number, lost: T, fn: (unit: UnitState) => Promise<T>): Promise<T> {
    return this.locked(lease.jobId, async () => {
      const unit = (await this.load(lease.jobId))?.[lease.unit];
      return holds(unit, lease, now) ? fn(unit) : lost;
    });
  }

  private async addStep(lease: WorkLease, unit: UnitState, step: UnitStep, last: boolean): Promise<boolean> {
    checkStep(unit, step, last);
    const file: StepFile = { position: step.position, succeeded: step.succeeded, failed: step.failed, rows: step.rows, done: last };
    const tmp = await writeTmp(this.tmpDir, JSON.stringify(file), this.write);
    const target = join(this.jobDir(lease.jobId), stepName(lease.unit, unit.steps + 1));
    if (!(await linkExclusive(tmp, target, this.write))) throw new Error(`${target} exists already: is a second process writing this data directory?`);
    applyStep(unit, step, last);
    // A finished unit's lease file goes: a done step outranks it anyway when the job is read again.
    if (last) await unless(["ENOENT"], () => fs.rm(join(this.jobDir(lease.jobId), leaseName(lease.unit))), undefined);
    return true;
  }

  private async setLease(jobId: string, n: number, unit: UnitState, lease: LeaseFile | undefined): Promise<void> {
    const path = join(this.jobDir(jobId), leaseName(n));
    if (lease) await writeAtomic(path, JSON.stringify(lease), this.tmpDir, this.write);
    else await unless(["ENOENT"], () => fs.rm(path), undefined);
    if (lease) unit.lease = lease;
    else delete unit.lease;
  }

  /** The job's units, read from disk the first time (call with the job's lock held). */
  private async load(jobId: string): Promise<UnitState[] | undefined> {
    if (this.loaded.has(jobId)) return this.loaded.get(jobId);
    const dir = this.jobDir(jobId);
    const plan = await readJson<PlanFile>(join(dir, "plan.json"));
    if (!plan || plan.id !== jobId) return undefined;
    const units = plan.units.map(([start, end]) => newUnit({ start, end }));
    const names = await fs.readdir(dir);
    const steps = names
      .map((name) => STEP_FILE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [Number(m[1]), Number(m[2])] as const)
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [u, s] of steps) {
      const unit = units[u];
      // Steps are linked in order, so a gap means a file lost by hand: stop at it.
      if (!unit || s !== unit.steps + 1) continue;
      const step = await readJson<StepFile>(join(dir, stepName(u, s)));
      if (step) applyStep(unit, step, step.done);
    }
    for (const name of names) {
      const m = LEASE_FILE.exec(name);
      const unit = m && units[Number(m[1])];
      if (!unit || unit.done) continue;
      const lease = await readJson<LeaseFile>(join(dir, name));
      if (lease) unit.lease = lease;
    }
    this.loaded.set(jobId, units);
    return units;
  }

  private jobDir(jobId: string): string {
    return join(this.root, createHash("sha256").update(jobId, "utf8").digest("hex").slice(0, 40));
  }
}

const pad = (n: number) => String(n).padStart(8, "0");
const stepName = (unit: number, step: number) => `s-${pad(unit)}-${pad(step)}.json`;
const leaseName = (unit: number) => `l-${pad(unit)}.json`;
