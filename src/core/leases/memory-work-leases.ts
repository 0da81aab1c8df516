import type { ClaimRequest, ObjectRef, ReportChunk, UnitStep, WorkLease, WorkLeaseStore, WorkSummary, WorkUnitRange } from "../ports.js";

/** One unit as a store keeps it; the filesystem store persists the same shape. */
export interface UnitState {
  start: number;
  end: number;
  position: number;
  succeeded: number;
  failed: number;
  done: boolean;
  lease?: { owner: string; token: string; expiresAt: number };
  /** Rows recorded, by status. */
  reported: { succeeded: number; failed: number };
  /** Steps recorded. */
  steps: number;
}

type RowStatus = "succeeded" | "failed";

/** A unit with its rows kept in memory, one chunk a step, or (once finished) spilled to parts. */
interface MemoryUnit extends UnitState {
  rows: { succeeded: string[][]; failed: string[][] };
  /** Characters of the rows held in `rows`. */
  chars: number;
  /** Where the finished unit's rows are, once spilled. */
  parts?: RowParts;
  /** Every part written for the unit (also by a finish that lost its lease meanwhile): removed on drop. */
  written?: ObjectRef[];
}

/** A finished unit's rows, one object a status that has any. */
export type RowParts = Partial<Record<RowStatus, ObjectRef>>;

/**
 * Where a MemoryWorkLeases puts the rows of finished units once it holds more than its budget, so
 * that a job's report rows do not pile up in the process however many tasks it has (the engine's
 * default writes them as objects beside the job's report; see engine/row-spill.ts).
 */
export interface RowSpill {
  /**
   * Writes a finished unit's rows (one object a status with rows) under a name no other lease of
   * the unit uses (`token`); undefined when the job has nowhere to put them (they stay in memory).
   */
  write(jobId: string, unit: number, token: string, rows: Record<RowStatus, readonly string[]>): Promise<RowParts | undefined>;
  /** The part's rows as report text (strings or bytes of whole rows). */
  read(part: ObjectRef): Promise<ReportChunk>;
  /** Removes a part; one already gone is no error. */
  remove(part: ObjectRef): Promise<void>;
}

export interface MemoryWorkLeasesOptions {
  /** Where finished units' rows go beyond `keepChars` (default: nowhere, every row stays in memory). */
  spill?: RowSpill;
  /** Characters of rows kept in memory over every job before finished units are spilled (default 1 Mi: about 16,000 rows; held as strings, they take a few times that in bytes). */
  keepChars?: number;
}

const DEFAULT_KEEP_CHARS = 1024 * 1024;

const NO_ROWS: MemoryUnit["rows"] = Object.freeze({ succeeded: Object.freeze([]) as unknown as string[][], failed: Object.freeze([]) as unknown as string[][] });

function charsOf(rows: { succeeded: readonly string[]; failed: readonly string[] }): number {
  let n = 0;
  for (const r of rows.succeeded) n += r.length;
  for (const r of rows.failed) n += r.length;
  return n;
}

/**
 * A unit before its first step, as one literal of every field: a spread (`{ ...newUnit(u), ... }`)
 * made each a 650-byte object, and a 10M-task job plans 10,000 of them at once. Its rows start as
 * the shared empty set, made its own at its first step with rows.
 */
function memoryUnit(range: WorkUnitRange): MemoryUnit {
  const { start, end } = range;
  return { start, end, position: start, succeeded: 0, failed: 0, done: false, lease: undefined, reported: { succeeded: 0, failed: 0 }, steps: 0, rows: NO_ROWS, chars: 0, parts: undefined, written: undefined };
}

/** Checks a plan: contiguous ranges from 0, none empty unless the job has no records at all. */
export function checkPlan(jobId: string, units: readonly WorkUnitRange[]): void {
  let at = 0;
  for (const u of units) {
    if (!Number.isInteger(u.start) || !Number.isInteger(u.end) || u.start !== at || u.end <= u.start) {
      throw new RangeError(`work units of job ${jobId} must be non-empty contiguous ranges from 0; got [${u.start}, ${u.end}) at ${at}`);
    }
    at = u.end;
  }
}

export function newUnit(range: WorkUnitRange): UnitState {
  return { start: range.start, end: range.end, position: range.start, succeeded: 0, failed: 0, done: false, reported: { succeeded: 0, failed: 0 }, steps: 0 };
}

/** The lease a unit holds, when `lease` still holds it at `now`. */
export function holds(unit: UnitState | undefined, lease: WorkLease, now: number): unit is UnitState {
  return unit !== undefined && !unit.done && unit.lease !== undefined && unit.lease.token === lease.token && now < unit.lease.expiresAt;
}

export function claimable(unit: UnitState, now: number): boolean {
  return !unit.done && (unit.lease === undefined || unit.lease.expiresAt <= now);
}

export function leaseOf(jobId: string, n: number, unit: UnitState): WorkLease {
  const l = unit.lease!;
  return { jobId, unit: n, start: unit.start, end: unit.end, position: unit.position, owner: l.owner, token: l.token, expiresAt: l.expiresAt };
}

/** Throws when a step does not fit the unit: it must move forward, within the unit, to its end for a finish. */
export function checkStep(unit: UnitState, step: UnitStep, last: boolean): void {
  if (!Number.isInteger(step.position) || step.position <= unit.position || step.position > unit.end || (last && step.position !== unit.end)) {
    throw new RangeError(`a step to ${step.position} does not fit a unit at ${unit.position} of [${unit.start}, ${unit.end})${last ? " (finish goes to its end)" : ""}`);
  }
}

/** Counts a checked step into its unit; `last` marks the unit done and ends its lease. */
export function applyStep(unit: UnitState, step: UnitStep, last: boolean): void {
  unit.position = step.position;
  unit.succeeded += step.succeeded;
  unit.failed += step.failed;
  unit.reported.succeeded += step.rows.succeeded.length;
  unit.reported.failed += step.rows.failed.length;
  unit.steps++;
  if (last) {
    unit.done = true;
    // Cleared, not deleted: a deleted property turns the object into a dictionary (a unit of a
    // 10M-task job would keep a kilobyte of it for the life of the job).
    unit.lease = undefined;
  }
}

export function summarize(units: readonly UnitState[], now: number): WorkSummary {
  const s: WorkSummary = { units: units.length, done: 0, leased: 0, succeeded: 0, failed: 0, rows: { succeeded: 0, failed: 0 }, position: 0 };
  let prefix = true;
  for (const u of units) {
    if (u.done) s.done++;
    else if (u.lease && now < u.lease.expiresAt) {
      s.leased++;
      if (s.nextExpiry === undefined || u.lease.expiresAt < s.nextExpiry) s.nextExpiry = u.lease.expiresAt;
    }
    s.succeeded += u.succeeded;
    s.failed += u.failed;
    s.rows.succeeded += u.reported.succeeded;
    s.rows.failed += u.reported.failed;
    if (prefix) {
      s.position = u.position;
      prefix = u.done;
    }
  }
  return s;
}

/**
 * A job's units with what `summary` and `claim` need kept up to date as steps are recorded, so
 * that neither walks every unit (a 10M-task job has 10,000 of them, and each finished unit asks).
 */
interface MemoryPlan {
  units: MemoryUnit[];
  /** Units [0, firstOpen) are done. */
  firstOpen: number;
  done: number;
  succeeded: number;
  failed: number;
  rows: { succeeded: number; failed: number };
  /** Units holding a lease (live or expired). */
  held: Set<number>;
}

/**
 * Work leases in this process's memory: what an engine uses when given no lease store (one per
 * JobStore object, see `defaultWorkLeases`), and what tests run several engines over. Tokens are
 * `<owner>#<n>` with n counting up for the life of the store.
 *
 * Report rows are kept in memory up to a budget (`keepChars`, over every job); with a `spill`, a
 * unit that finishes beyond it has its rows written out (before the finish is recorded) and keeps
 * only where they are. Memory then stays flat in the number of tasks: what is held is the budget,
 * the steps of unfinished units and a small record a unit.
 */
export class MemoryWorkLeases implements WorkLeaseStore {
  private readonly plans = new Map<string, MemoryPlan>();
  private seq = 0;
  private spill: RowSpill | undefined;
  private readonly keepChars: number;
  /** Characters of rows held in memory, over every job. */
  private kept = 0;

  constructor(options: MemoryWorkLeasesOptions = {}) {
    this.spill = options.spill;
    this.keepChars = options.keepChars ?? DEFAULT_KEEP_CHARS;
  }

  /** Gives a store made without a spill one (the engine's default lease store gets its engine's). */
  spillTo(spill: RowSpill): void {
    this.spill ??= spill;
  }

  async plan(jobId: string, units: readonly WorkUnitRange[]): Promise<{ planned: boolean; units: number }> {
    const existing = this.plans.get(jobId);
    if (existing) return { planned: false, units: existing.units.length };
    checkPlan(jobId, units);
    this.plans.set(jobId, {
      units: units.map(memoryUnit),
      firstOpen: 0,
      done: 0,
      succeeded: 0,
      failed: 0,
      rows: { succeeded: 0, failed: 0 },
      held: new Set(),
    });
    return { planned: true, units: units.length };
  }

  async claim(jobId: string, request: ClaimRequest): Promise<WorkLease[]> {
    const plan = this.plans.get(jobId);
    if (!plan) return [];
    const units = plan.units;
    const got: WorkLease[] = [];
    for (let n = this.firstOpen(plan); n < units.length && got.length < request.limit; n++) {
      const unit = units[n]!;
      if (!claimable(unit, request.now)) continue;
      unit.lease = { owner: request.owner, token: `${request.owner}#${++this.seq}`, expiresAt: request.now + request.leaseMs };
      plan.held.add(n);
      got.push(leaseOf(jobId, n, unit));
    }
    return got;
  }

  async renew(lease: WorkLease, leaseMs: number, now: number): Promise<WorkLease | undefined> {
    const unit = this.unitOf(lease);
    if (!holds(unit, lease, now)) return undefined;
    unit.lease!.expiresAt = now + leaseMs;
    return leaseOf(lease.jobId, lease.unit, unit);
  }

  async record(lease: WorkLease, step: UnitStep, now: number): Promise<boolean> {
    return this.step(lease, step, now, false);
  }

  async finish(lease: WorkLease, step: UnitStep, now: number): Promise<boolean> {
    return this.step(lease, step, now, true);
  }

  private async step(lease: WorkLease, step: UnitStep, now: number, last: boolean): Promise<boolean> {
    let unit = this.unitOf(lease);
    if (!holds(unit, lease, now)) return false;
    checkStep(unit, step, last);
    const chars = charsOf(step.rows);
    if (last && this.spill && this.kept + chars > this.keepChars && unit.chars + chars > 0) {
      const rows = { succeeded: [...unit.rows.succeeded.flat(), ...step.rows.succeeded], failed: [...unit.rows.failed.flat(), ...step.rows.failed] };
      // A spill that fails keeps the rows here: the job goes on (its report fails at the end if
      // the place stays broken), rather than waiting on a place that may never take them.
      const parts = await this.spill.write(lease.jobId, lease.unit, lease.token, rows).catch(() => undefined);
      if (parts) {
        const written = Object.values(parts);
        // The lease may have been lost (or the job dropped) while the rows were written.
        unit = this.unitOf(lease);
        if (!holds(unit, lease, now)) {
          for (const part of written) await this.spill.remove(part);
          return false;
        }
        unit.written = unit.written ? [...unit.written, ...written] : written;
        this.apply(lease, unit, step, last);
        this.kept -= unit.chars;
        unit.chars = 0;
        // A finished unit records no more steps: one shared empty set of rows for all of them.
        unit.rows = NO_ROWS;
        unit.parts = parts;
        return true;
      }
    }
    this.apply(lease, unit, step, last);
    if (unit.rows === NO_ROWS && step.rows.succeeded.length + step.rows.failed.length > 0) unit.rows = { succeeded: [], failed: [] };
    if (step.rows.succeeded.length > 0) unit.rows.succeeded.push([...step.rows.succeeded]);
    if (step.rows.failed.length > 0) unit.rows.failed.push([...step.rows.failed]);
    unit.chars += chars;
    this.kept += chars;
    return true;
  }

  /** Counts a checked step into its unit and into its plan's totals. */
  private apply(lease: WorkLease, unit: MemoryUnit, step: UnitStep, last: boolean): void {
    applyStep(unit, step, last);
    const plan = this.plans.get(lease.jobId)!;
    plan.succeeded += step.succeeded;
    plan.failed += step.failed;
    plan.rows.succeeded += step.rows.succeeded.length;
    plan.rows.failed += step.rows.failed.length;
    if (last) {
      plan.done++;
      plan.held.delete(lease.unit);
    }
  }

  async release(lease: WorkLease, now: number): Promise<boolean> {
    const unit = this.unitOf(lease);
    if (!holds(unit, lease, now)) return false;
    unit.lease = undefined;
    this.plans.get(lease.jobId)!.held.delete(lease.unit);
    return true;
  }

  async releaseOwner(owner: string): Promise<number> {
    let n = 0;
    for (const plan of this.plans.values()) {
      for (const u of [...plan.held]) {
        const unit = plan.units[u]!;
        if (unit.lease?.owner !== owner) continue;
        unit.lease = undefined;
        plan.held.delete(u);
        n++;
      }
    }
    return n;
  }

  /** What `summarize` gives, from the plan's running totals and its leased units only. */
  async summary(jobId: string, now: number): Promise<WorkSummary | undefined> {
    const plan = this.plans.get(jobId);
    if (!plan) return undefined;
    const units = plan.units;
    const open = this.firstOpen(plan);
    const s: WorkSummary = {
      units: units.length,
      done: plan.done,
      leased: 0,
      succeeded: plan.succeeded,
      failed: plan.failed,
      rows: { ...plan.rows },
      position: units.length === 0 ? 0 : units[Math.min(open, units.length - 1)]!.position,
    };
    for (const n of plan.held) {
      const lease = units[n]!.lease;
      if (!lease || now >= lease.expiresAt) continue;
      s.leased++;
      if (s.nextExpiry === undefined || lease.expiresAt < s.nextExpiry) s.nextExpiry = lease.expiresAt;
    }
    return s;
  }

  async *rows(jobId: string, status: "succeeded" | "failed"): AsyncIterable<ReportChunk> {
    for (const unit of this.plans.get(jobId)?.units ?? []) {
      const part = unit.parts?.[status];
      if (part) yield await this.spill!.read(part);
      else if (!unit.parts) for (const chunk of unit.rows[status]) yield chunk;
    }
  }

  /** Removes the job's spilled parts first: a removal that fails leaves the job planned, to be dropped again. */
  async drop(jobId: string): Promise<void> {
    const plan = this.plans.get(jobId);
    if (!plan) return;
    for (const unit of plan.units) {
      while (unit.written?.length) {
        await this.spill!.remove(unit.written[unit.written.length - 1]!);
        unit.written.pop();
      }
    }
    if (this.plans.get(jobId) !== plan) return;
    this.plans.delete(jobId);
    for (const unit of plan.units) this.kept -= unit.chars;
  }

  async jobs(): Promise<string[]> {
    return [...this.plans.keys()];
  }

  /** The first unit not done: done units never change again, so the mark only moves forward. */
  private firstOpen(plan: MemoryPlan): number {
    while (plan.firstOpen < plan.units.length && plan.units[plan.firstOpen]!.done) plan.firstOpen++;
    return plan.firstOpen;
  }

  private unitOf(lease: WorkLease): MemoryUnit | undefined {
    return this.plans.get(lease.jobId)?.units[lease.unit];
  }
}

const defaults = new WeakMap<object, MemoryWorkLeases>();

/**
 * The lease store an engine uses when given none: one in memory per JobStore object, so that
 * engines over the same job store (a test's second engine, a restarted one) share units and rows.
 */
export function defaultWorkLeases(jobStore: object, spill?: RowSpill): MemoryWorkLeases {
  let leases = defaults.get(jobStore);
  if (!leases) {
    leases = new MemoryWorkLeases();
    defaults.set(jobStore, leases);
  }
  if (spill) leases.spillTo(spill);
  return leases;
}
