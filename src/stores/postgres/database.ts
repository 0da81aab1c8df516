import { openPool, schemaName, unavailableOr, withTimeout, type PgPool, type PgPoolClient, type PostgresConnectionOptions } from "./connection.js";
import { migrate } from "./migrations.js";

export type Query = <T = Record<string, unknown>>(text: string, values?: unknown[]) => Promise<T[]>;

/**
 * One PostgreSQL database as batchplane's stores use it: a pool (the caller's or one made here),
 * the schema migrated on first use, and every statement under a timeout, its connection failures
 * turned into the core's StoreUnavailableError. The job store and the work leases of a process
 * can share one (`database` option), and with it one pool.
 */
export class PgDatabase {
  readonly schema: string;
  readonly callTimeoutMs: number;
  private opened?: Promise<PgPool>;
  private pool?: PgPool;
  private owned = false;

  constructor(private readonly options: PostgresConnectionOptions) {
    this.schema = schemaName(options.schema);
    this.callTimeoutMs = options.callTimeoutMs ?? 10_000;
    if (!options.pool && !options.connectionString) throw new TypeError("a PostgreSQL store needs a connectionString or a pool");
  }

  /** The pool, once connected and migrated; a failed attempt is tried again by the next call. */
  connected(): Promise<PgPool> {
    this.opened ??= (async () => {
      const { pool, owned } = await openPool(this.options);
      try {
        await withTimeout(migrate(pool, this.schema), this.callTimeoutMs * 3, "the migrations");
      } catch (e) {
        if (owned) await pool.end().catch(() => undefined);
        throw e;
      }
      this.pool = pool;
      this.owned = owned;
      return pool;
    })().catch((e) => {
      this.opened = undefined;
      return unavailableOr(e, "connecting");
    });
    return this.opened;
  }

  /** One statement; `what` names it in errors. */
  async query<T = Record<string, unknown>>(what: string, text: string, values: unknown[] = []): Promise<T[]> {
    try {
      const pool = await this.connected();
      const result = await withTimeout(pool.query({ text, values, query_timeout: this.callTimeoutMs }), this.callTimeoutMs, what);
      return result.rows as T[];
    } catch (e) {
      return unavailableOr(e, what);
    }
  }

  /** Statements in one transaction, on one connection: committed when `work` resolves, rolled back when it throws. */
  async transaction<T>(what: string, work: (query: Query) => Promise<T>): Promise<T> {
    let client: PgPoolClient | undefined;
    let broken = false;
    try {
      const pool = await this.connected();
      client = await withTimeout(pool.connect(), this.callTimeoutMs, what);
      const c = client;
      const query: Query = async <R>(text: string, values: unknown[] = []) => {
        try {
          return (await withTimeout(c.query({ text, values, query_timeout: this.callTimeoutMs }), this.callTimeoutMs, what)).rows as R[];
        } catch (e) {
          broken = true;
          throw e;
        }
      };
      await query("BEGIN");
      try {
        const result = await work(query);
        await query("COMMIT");
        return result;
      } catch (e) {
        if (!broken) await query("ROLLBACK").catch(() => (broken = true));
        throw e;
      }
    } catch (e) {
      return unavailableOr(e, what);
    } finally {
      client?.release(broken || undefined);
    }
  }

  /** Ends the pool if it was made here; a caller's pool is left open. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.opened = this.pool = undefined;
    if (pool && this.owned) await pool.end();
  }
}
