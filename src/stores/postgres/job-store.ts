import type { Tenant } from "../../core/model/common.js";
import type { Job, JobStatus } from "../../core/model/index.js";
import type { InsertResult, JobListing, JobListQuery, JobStore } from "../../core/ports.js";
import { ChangeFeed } from "./change-feed.js";
import type { PgPool, PostgresConnectionOptions } from "./connection.js";
import { PgDatabase } from "./database.js";
import { jobsChannel } from "./migrations.js";

export interface PostgresJobStoreOptions extends PostgresConnectionOptions {
  /** A database (pool) shared with the process's other PostgreSQL stores; instead of connectionString or pool. */
  database?: PgDatabase;
  /** How often the change feed re-scans recently changed jobs, its safety net. Default 5 s. */
  resyncIntervalMs?: number;
  /** First delay before the change feed reconnects after losing its connection. Default 250 ms. */
  reconnectDelayMs?: number;
}

/** The columns a job is queried by; everything else goes in `body`. */
const COLUMNS = "id, dialect, account, region, client_request_token, status, priority, creation_time, version, body";

interface Row {
  id: string;
  dialect: string;
  account: string;
  region: string;
  client_request_token: string;
  status: JobStatus;
  priority: number;
  creation_time: string | number;
  version: number;
  body: Record<string, unknown>;
}

/** A listing's columns: the indexed ones and those derived from the body (migration 3), never the body. */
export const LISTING_COLUMNS = "id, status, priority, creation_time, version, description, operation_type, progress, termination_date, suspended_date";

interface ListingRow {
  id: string;
  status: JobStatus;
  priority: number;
  creation_time: string;
  version: number;
  description: string | null;
  operation_type: JobListing["operation"]["type"];
  progress: Job["progress"];
  termination_date: string | null;
  suspended_date: string | null;
}

function toListing(tenant: Tenant, row: ListingRow): JobListing {
  const listing: JobListing = {
    id: row.id,
    tenant,
    status: row.status,
    priority: row.priority,
    operation: { type: row.operation_type },
    progress: row.progress,
    creationTime: Number(row.creation_time),
    version: row.version,
  };
  if (row.description !== null) listing.description = row.description;
  if (row.termination_date !== null) listing.terminationDate = Number(row.termination_date);
  if (row.suspended_date !== null) listing.suspendedDate = Number(row.suspended_date);
  return listing;
}

function toRow(job: Job): unknown[] {
  const { id, tenant, clientRequestToken, status, priority, creationTime, version, ...rest } = job;
  return [id, tenant.dialect, tenant.account, tenant.region, clientRequestToken, status, priority, creationTime, version, JSON.stringify(rest)];
}

function toJob(row: Row): Job {
  return {
    ...(row.body as Omit<Job, "id" | "tenant" | "clientRequestToken" | "status" | "priority" | "creationTime" | "version">),
    id: row.id,
    tenant: { dialect: row.dialect, account: row.account, region: row.region },
    clientRequestToken: row.client_request_token,
    status: row.status,
    priority: row.priority,
    creationTime: Number(row.creation_time),
    version: row.version,
  };
}

/**
 * Jobs in PostgreSQL, shared by any number of processes: a row a job, with columns for what is
 * queried (tenant, token, status, priority, creation time, version) and the rest as jsonb.
 * Inserts are atomic on the id and on (tenant, token), replacements compare-and-set on the
 * version, listings and scans are index queries. Every write notifies the schema's channel, which
 * `watch` delivers to the JobServices of every process.
 *
 * The tables are created (and migrated) on first use. A database that cannot be reached, or
 * that does not answer within `callTimeoutMs`, makes every call reject with the core's
 * StoreUnavailableError (each dialect's 503), never hang.
 */
export class PostgresJobStore implements JobStore {
  readonly schema: string;
  readonly database: PgDatabase;
  private readonly callTimeoutMs: number;
  private feed?: ChangeFeed;

  constructor(private readonly options: PostgresJobStoreOptions) {
    this.database = options.database ?? new PgDatabase(options);
    this.schema = this.database.schema;
    this.callTimeoutMs = this.database.callTimeoutMs;
  }

  /** Connects and migrates now, rather than on the first call (a server checks its database at startup). */
  async open(): Promise<void> {
    await this.database.connected();
  }

  async insert(job: Job): Promise<InsertResult> {
    for (;;) {
      const inserted = await this.query<{ id: string }>(
        "insert",
        `INSERT INTO ${this.schema}.jobs (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (dialect, account, region, client_request_token) DO NOTHING RETURNING id`,
        toRow(job),
      ).catch((e: { code?: string; constraint?: string }) => {
        if (e.code === "23505") throw new Error(`job id ${job.id} is already taken`, { cause: e });
        throw e;
      });
      if (inserted.length === 1) return { inserted: true };
      const existing = await this.findByToken(job.tenant, job.clientRequestToken);
      // Deleted between the two statements: try the insert again.
      if (existing) return { inserted: false, existing };
    }
  }

  async get(id: string): Promise<Job | undefined> {
    const rows = await this.query<Row>("get", `SELECT ${COLUMNS} FROM ${this.schema}.jobs WHERE id = $1`, [id]);
    return rows[0] && toJob(rows[0]);
  }

  async findByToken(tenant: Tenant, clientRequestToken: string): Promise<Job | undefined> {
    const rows = await this.query<Row>(
      "findByToken",
      `SELECT ${COLUMNS} FROM ${this.schema}.jobs WHERE dialect = $1 AND account = $2 AND region = $3 AND client_request_token = $4`,
      [tenant.dialect, tenant.account, tenant.region, clientRequestToken],
    );
    return rows[0] && toJob(rows[0]);
  }

  async replace(job: Job, expectedVersion: number): Promise<boolean> {
    if (job.version !== expectedVersion + 1) return false;
    const [id, , , , , status, priority, , version, body] = toRow(job);
    // Tenant, token and creation time never change; the row keeps its own.
    const rows = await this.query(
      "replace",
      `UPDATE ${this.schema}.jobs SET status = $2, priority = $3, version = $4, body = $5, changed_at = now()
       WHERE id = $1 AND version = $6 RETURNING id`,
      [id, status, priority, version, body, expectedVersion],
    );
    return rows.length === 1;
  }

  async delete(id: string, expectedVersion: number): Promise<boolean> {
    const rows = await this.query("delete", `DELETE FROM ${this.schema}.jobs WHERE id = $1 AND version = $2 RETURNING id`, [id, expectedVersion]);
    return rows.length === 1;
  }

  /** One index range (jobs_listing), listing columns only: a page costs the same whatever the number of jobs or their size. */
  async list(query: JobListQuery): Promise<JobListing[]> {
    const { text, values } = listQuery(this.schema, query);
    const tenant = { dialect: query.tenant.dialect, account: query.tenant.account, region: query.tenant.region };
    return (await this.query<ListingRow>("list", text, values)).map((row) => toListing({ ...tenant }, row));
  }

  async scan(statuses: readonly JobStatus[]): Promise<Job[]> {
    if (statuses.length === 0) return [];
    const rows = await this.query<Row>(
      "scan",
      `SELECT ${COLUMNS} FROM ${this.schema}.jobs WHERE status = ANY($1::text[]) ORDER BY priority DESC, creation_time, id`,
      [statuses],
    );
    return rows.map(toJob);
  }

  watch(onChange: (jobId: string) => void): () => void {
    this.feed ??= new ChangeFeed({
      // The pool opens (and migrates) on first use; the feed waits for it, and tries again after a failure.
      pool: lazyPool(() => this.database.connected()),
      channel: jobsChannel(this.schema),
      table: `${this.schema}.jobs`,
      resyncIntervalMs: this.options.resyncIntervalMs ?? 5_000,
      reconnectDelayMs: this.options.reconnectDelayMs ?? 250,
      callTimeoutMs: this.callTimeoutMs,
    });
    return this.feed.add(onChange);
  }

  /** Resolves once the change feed listens (when watched). */
  async watching(): Promise<void> {
    await this.database.connected().catch(() => undefined);
    await this.feed?.ready();
  }

  /** Stops the change feed; ends the pool if this store made it (a caller's pool is left open). */
  async close(): Promise<void> {
    await this.feed?.close();
    this.feed = undefined;
    if (!this.options.database) await this.database.close();
  }

  // ------------------------------------------------------------------ internals

  private query<T = { id: string }>(what: string, text: string, values: unknown[]): Promise<T[]> {
    return this.database.query<T>(what, text, values);
  }
}

/** The listing statement: the tenant's range of jobs_listing, after the cursor, in the statuses asked. */
export function listQuery(schema: string, query: JobListQuery): { text: string; values: unknown[] } {
  const { tenant, statuses, after, limit } = query;
  const values: unknown[] = [tenant.dialect, tenant.account, tenant.region];
  const where = ["dialect = $1", "account = $2", "region = $3"];
  if (statuses && statuses.length > 0) {
    values.push(statuses);
    where.push(`status = ANY($${values.length}::text[])`);
  }
  if (after) {
    values.push(after.creationTime, after.id);
    where.push(`(creation_time, id) < ($${values.length - 1}, $${values.length})`);
  }
  values.push(limit);
  return {
    text: `SELECT ${LISTING_COLUMNS} FROM ${schema}.jobs WHERE ${where.join(" AND ")} ORDER BY creation_time DESC, id DESC LIMIT $${values.length}`,
    values,
  };
}

/** A PgPool whose calls wait for the real one. */
function lazyPool(pool: () => Promise<PgPool>): PgPool {
  return {
    query: async (config) => (await pool()).query(config),
    connect: async () => (await pool()).connect(),
    end: async () => (await pool()).end(),
    on: () => undefined,
  };
}
