import type * as Pg from "pg";
import { StoreUnavailableError } from "../../core/errors.js";

/** The part of a `pg.Pool` the PostgreSQL stores use: a caller's own Pool fits it. */
export interface PgPool {
  query(config: { text: string; values?: unknown[]; query_timeout?: number }): Promise<{ rows: any[]; rowCount: number | null }>;
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
  on(event: "error", listener: (e: Error) => void): unknown;
}

export interface PgPoolClient {
  query(config: { text: string; values?: unknown[]; query_timeout?: number } | string): Promise<{ rows: any[]; rowCount: number | null }>;
  release(destroy?: boolean | Error): void;
}

export interface PostgresConnectionOptions {
  /** `postgres://user:password@host:port/database`; or give `pool`. */
  connectionString?: string;
  /** The caller's own pg.Pool (not ended by close()); or give `connectionString`. */
  pool?: PgPool;
  /** Where the tables live (created when missing). Default `batchplane`. */
  schema?: string;
  /**
   * How long one call may take (getting a connection, running the statement) before it rejects
   * with StoreUnavailableError. Default 10 s. A pool this store creates also gives up connecting
   * after `connectTimeoutMs` (default 5 s), and the server cancels statements after this long.
   */
  callTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Connections of a pool this store creates. Default 10. */
  maxConnections?: number;
  /** How `pg` is loaded; default `import("pg")`. */
  loadPg?: () => Promise<unknown>;
}

export type PgModule = typeof Pg;

export async function loadPg(load?: () => Promise<unknown>): Promise<PgModule> {
  try {
    const mod = (await (load?.() ?? import("pg"))) as PgModule & { default?: PgModule };
    return mod.default ?? mod;
  } catch (e) {
    throw new Error("the PostgreSQL stores need pg (node-postgres), an optional peer dependency of batchplane: npm install pg", {
      cause: e,
    });
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The schema name, checked: it is written into SQL (identifiers cannot be bound parameters). */
export function schemaName(schema = "batchplane"): string {
  if (!IDENTIFIER.test(schema)) {
    throw new RangeError(`schema must be a lower-case SQL identifier (letters, digits, _; at most 63), got "${schema}"`);
  }
  return schema;
}

/**
 * SQLSTATE classes and codes that mean "the database is not there right now", not "the request is
 * wrong": connection exceptions (08), insufficient resources (53), operator intervention (57:
 * shutdown, crash recovery, a cancelled statement), and a transaction the server rolled back for
 * a serialization failure or a deadlock (40) is repeatable too.
 */
const UNAVAILABLE_STATES = /^(08|53|57|40)/;
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);
const NETWORK_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection timeout|Client has encountered a connection error|Connection ended|not queryable/i;

export function isUnavailable(e: unknown): boolean {
  if (e instanceof StoreUnavailableError) return true;
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && (NETWORK_CODES.has(code) || (code.length === 5 && UNAVAILABLE_STATES.test(code)))) return true;
  if (e instanceof AggregateError) return e.errors.some(isUnavailable);
  return NETWORK_MESSAGES.test(e.message);
}

/** A failure that means PostgreSQL is unreachable becomes the core's StoreUnavailableError; anything else is rethrown as is. */
export function unavailableOr(e: unknown, what: string): never {
  if (e instanceof StoreUnavailableError) throw e;
  if (isUnavailable(e)) {
    throw new StoreUnavailableError(`The job store (PostgreSQL) is unavailable: ${what} failed: ${(e as Error).message}`, { cause: e });
  }
  throw e;
}

/** Rejects with StoreUnavailableError once `ms` pass: a caller's pool may have no timeouts of its own. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`The job store (PostgreSQL) did not answer ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** A pool from the options: the caller's, or one made here with timeouts on connecting and on statements. */
export async function openPool(options: PostgresConnectionOptions): Promise<{ pool: PgPool; owned: boolean; pg: PgModule }> {
  const pg = await loadPg(options.loadPg);
  if (options.pool) return { pool: options.pool, owned: false, pg };
  if (!options.connectionString) throw new TypeError("a PostgreSQL store needs a connectionString or a pool");
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    statement_timeout: callTimeoutMs,
    query_timeout: callTimeoutMs + 1_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  }) as unknown as PgPool;
  // An idle connection the server dropped (a restart) must not crash the process; the next call reconnects.
  pool.on("error", () => {});
  return { pool, owned: true, pg };
}
