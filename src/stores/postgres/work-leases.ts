import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { checkPlan, checkStep, type UnitState } from "../../core/leases/memory-work-leases.js";
import type { ClaimRequest, UnitStep, WorkLease, WorkLeaseStore, WorkSummary, WorkUnitRange } from "../../core/ports.js";
import type { PostgresConnectionOptions } from "./connection.js";
import { PgDatabase } from "./database.js";

export interface PostgresWorkLeasesOptions extends PostgresConnectionOptions {
  /** A database (pool) shared with the process's PostgresJobStore; instead of connectionString or pool. */
  database?: PgDatabase;
}

/** An owner id no other live process has: host, process id and a random part (a pid is reused after a restart). */
export function uniqueOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

interface UnitRow {
  unit: number;
  start_at: string;
  end_at: string;
  position: string;
  owner: string;
  token: string;
  expires_at: string;
}

const LEASE_COLUMNS = "unit, start_at, end_at, position, owner, token, expires_at";
/** How many recorded steps `rows` reads a round trip. */
const ROW_PAGE = 64;

function toLease(jobId: string, r: UnitRow): WorkLease {
  return {
    jobId,
    unit: r.unit,
    start: Number(r.start_at),
    end: Number(r.end_at),
    position: Number(r.position),
    owner: r.owner,
    token: r.token,
    expiresAt: Number(r.expires_at),
  };
}

/**
 * Work leases in PostgreSQL, shared by every process over the database: a row a unit. Claims take
 * a batch of units in one statement (`FOR UPDATE SKIP LOCKED`: concurrent claimers never wait for
 * each other nor get the same unit), each under a fresh random token; renew, record, finish and
 * release act only while the row still carries the lease's token unexpired (fencing). A step's
 * counters, its report rows and the unit's new position (and `done`, for a finish) are one
 * statement, so one transaction.
 */
export class PostgresWorkLeases implements WorkLeaseStore {
  readonly database: PgDatabase;
  private readonly s: string;

  constructor(private readonly options: PostgresWorkLeasesOptions) {
    this.database = options.database ?? new PgDatabase(options);
    this.s = this.database.schema;
  }

  async plan(jobId: string, units: readonly WorkUnitRange[]): Promise<{ planned: boolean; units: number }> {
    const existing = await this.planned(jobId);
    if (existing !== undefined) return { planned: false, units: existing };
    checkPlan(jobId, units);
    return this.database.transaction("plan", async (q) => {
      const inserted = await q(`INSERT INTO ${this.s}.work_plans (job_id, units) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING job_id`, [jobId, units.length]);
      // Another process planned it between the two statements: its plan stands.
      if (inserted.length === 0) return { planned: false, units: (await this.planned(jobId)) ?? units.length };
      await q(
        `INSERT INTO ${this.s}.work_units (job_id, unit, start_at, end_at, position)
         SELECT $1, n - 1, s, e, s FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS u(s, e, n)`,
        [jobId, units.map((u) => u.start), units.map((u) => u.end)],
      );
      return { planned: true, units: units.length };
    });
  }

  async claim(jobId: string, request: ClaimRequest): Promise<WorkLease[]> {
    const rows = await this.database.query<UnitRow>(
      "claim",
      `WITH picked AS (
         SELECT unit FROM ${this.s}.work_units
         WHERE job_id = $1 AND NOT done AND (expires_at IS NULL OR expires_at <= $2)
         ORDER BY unit LIMIT $3 FOR UPDATE SKIP LOCKED
       )
       UPDATE ${this.s}.work_units u SET owner = $4, token = gen_random_uuid()::text, expires_at = $2::bigint + $5::bigint
       FROM picked WHERE u.job_id = $1 AND u.unit = picked.unit
       RETURNING ${LEASE_COLUMNS.split(", ").map((c) => `u.${c}`).join(", ")}`,
      [jobId, request.now, Math.max(1, request.limit), request.owner, request.leaseMs],
    );
    return rows.map((r) => toLease(jobId, r)).sort((a, b) => a.unit - b.unit);
  }

  async renew(lease: WorkLease, leaseMs: number, now: number): Promise<WorkLease | undefined> {
    const rows = await this.database.query<UnitRow>(
      "renew",
      `UPDATE ${this.s}.work_units SET expires_at = $4::bigint + $5::bigint
       WHERE job_id = $1 AND unit = $2 AND token = $3 AND NOT done AND $4 < expires_at
       RETURNING ${LEASE_COLUMNS}`,
      [lease.jobId, lease.unit, lease.token, now, leaseMs],
    );
    return rows[0] && toLease(lease.jobId, rows[0]);
  }

  record(lease: WorkLease, step: UnitStep, now: number): Promise<boolean> {
    return this.step(lease, step, now, false);
  }

  finish(lease: WorkLease, step: UnitStep, now: number): Promise<boolean> {
    return this.step(lease, step, now, true);
  }

  /**
   * One statement: the unit moves (only while the lease holds and the step fits) and its rows go
   * in with it. When nothing moved, a second look tells a lost lease (false) from a step that does
   * not fit (RangeError, as every implementation answers).
   */
  private async step(lease: WorkLease, step: UnitStep, now: number, last: boolean): Promise<boolean> {
    const moved = await this.database.query(
      last ? "finish" : "record",
      `WITH u AS (
         UPDATE ${this.s}.work_units SET
           position = $5, succeeded = succeeded + $6, failed = failed + $7,
           rows_succeeded = rows_succeeded + cardinality($8::text[]), rows_failed = rows_failed + cardinality($9::text[]),
           steps = steps + 1, done = $10,
           owner = CASE WHEN $10 THEN NULL ELSE owner END,
           token = CASE WHEN $10 THEN NULL ELSE token END,
           expires_at = CASE WHEN $10 THEN NULL ELSE expires_at END
         WHERE job_id = $1 AND unit = $2 AND token = $3 AND NOT done AND $4 < expires_at
           AND $5 > position AND $5 <= end_at AND (NOT $10 OR $5 = end_at)
         RETURNING steps - 1 AS step
       ), written AS (
         INSERT INTO ${this.s}.work_rows (job_id, unit, step, status, rows)
         SELECT $1, $2, u.step, r.status, r.rows FROM u, (VALUES ('succeeded', $8::text[]), ('failed', $9::text[])) AS r(status, rows)
         WHERE cardinality(r.rows) > 0
       )
       SELECT step FROM u`,
      [lease.jobId, lease.unit, lease.token, now, step.position, step.succeeded, step.failed, step.rows.succeeded, step.rows.failed, last],
    );
    if (moved.length === 1) return true;
    const [unit] = await this.database.query<{ start_at: string; end_at: string; position: string }>(
      "record",
      `SELECT start_at, end_at, position FROM ${this.s}.work_units WHERE job_id = $1 AND unit = $2 AND token = $3 AND NOT done AND $4 < expires_at`,
      [lease.jobId, lease.unit, lease.token, now],
    );
    if (!unit) return false;
    // Held, so the step did not fit: checkStep says why, in the words every implementation uses.
    checkStep({ start: Number(unit.start_at), end: Number(unit.end_at), position: Number(unit.position) } as UnitState, step, last);
    return false;
  }

  async release(lease: WorkLease, now: number): Promise<boolean> {
    const rows = await this.database.query(
      "release",
      `UPDATE ${this.s}.work_units SET owner = NULL, token = NULL, expires_at = NULL
       WHERE job_id = $1 AND unit = $2 AND token = $3 AND NOT done AND $4 < expires_at RETURNING unit`,
      [lease.jobId, lease.unit, lease.token, now],
    );
    return rows.length === 1;
  }

  async releaseOwner(owner: string): Promise<number> {
    const rows = await this.database.query(
      "releaseOwner",
      `UPDATE ${this.s}.work_units SET owner = NULL, token = NULL, expires_at = NULL WHERE owner = $1 RETURNING unit`,
      [owner],
    );
    return rows.length;
  }

  async summary(jobId: string, now: number): Promise<WorkSummary | undefined> {
    const [row] = await this.database.query<Record<string, string | null>>(
      "summary",
      `SELECT p.units,
         count(u.unit) FILTER (WHERE u.done) AS done,
         count(u.unit) FILTER (WHERE NOT u.done AND u.expires_at > $2) AS leased,
         coalesce(sum(u.succeeded), 0) AS succeeded, coalesce(sum(u.failed), 0) AS failed,
         coalesce(sum(u.rows_succeeded), 0) AS rows_succeeded, coalesce(sum(u.rows_failed), 0) AS rows_failed,
         min(u.expires_at) FILTER (WHERE NOT u.done AND u.expires_at > $2) AS next_expiry,
         coalesce((SELECT o.position FROM ${this.s}.work_units o WHERE o.job_id = $1 AND NOT o.done ORDER BY o.unit LIMIT 1), max(u.end_at), 0) AS position
       FROM ${this.s}.work_plans p LEFT JOIN ${this.s}.work_units u ON u.job_id = p.job_id
       WHERE p.job_id = $1 GROUP BY p.units`,
      [jobId, now],
    );
    if (!row) return undefined;
    const n = (k: string) => Number(row[k]);
    const summary: WorkSummary = {
      units: n("units"),
      done: n("done"),
      leased: n("leased"),
      succeeded: n("succeeded"),
      failed: n("failed"),
      rows: { succeeded: n("rows_succeeded"), failed: n("rows_failed") },
      position: n("position"),
    };
    if (row.next_expiry !== null) summary.nextExpiry = n("next_expiry");
    return summary;
  }

  /** Pages through the recorded steps by (unit, step): a job's rows are never all in memory. */
  async *rows(jobId: string, status: "succeeded" | "failed"): AsyncIterable<string[]> {
    let after = [-1, -1];
    for (;;) {
      const page = await this.database.query<{ unit: number; step: number; rows: string[] }>(
        "rows",
        `SELECT unit, step, rows FROM ${this.s}.work_rows
         WHERE job_id = $1 AND status = $2 AND (unit, step) > ($3, $4) ORDER BY unit, step LIMIT ${ROW_PAGE}`,
        [jobId, status, after[0], after[1]],
      );
      for (const r of page) yield r.rows;
      if (page.length < ROW_PAGE) return;
      const last = page[page.length - 1]!;
      after = [last.unit, last.step];
    }
  }

  async drop(jobId: string): Promise<void> {
    await this.database.query("drop", `DELETE FROM ${this.s}.work_plans WHERE job_id = $1`, [jobId]);
  }

  async jobs(): Promise<string[]> {
    return (await this.database.query<{ job_id: string }>("jobs", `SELECT job_id FROM ${this.s}.work_plans`)).map((r) => r.job_id);
  }

  /** Ends the pool if this store made it. */
  async close(): Promise<void> {
    if (!this.options.database) await this.database.close();
  }

  private async planned(jobId: string): Promise<number | undefined> {
    const [row] = await this.database.query<{ units: number }>("plan", `SELECT units FROM ${this.s}.work_plans WHERE job_id = $1`, [jobId]);
    return row?.units;
  }
}
