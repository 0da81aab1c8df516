import type { PgPool, PgPoolClient } from "./connection.js";

export interface ChangeFeedOptions {
  pool: PgPool;
  /** NOTIFY channel; payloads are job ids. */
  channel: string;
  /** Table whose `changed_at` column the safety-net re-scan reads (schema-qualified). */
  table: string;
  /** How often the feed re-scans for changes a lost notification would have hidden, and checks its connection. Default 5 s. */
  resyncIntervalMs: number;
  /** How long it waits before reconnecting after losing its connection (doubling to 8×). Default 250 ms. */
  reconnectDelayMs: number;
  callTimeoutMs: number;
}

/** Writes whose notification may have been lost are found by `changed_at`; this much slack covers commits that came late. */
const RESCAN_SLACK_MS = 5_000;

type ListenClient = PgPoolClient & {
  on(event: "notification", fn: (m: { channel: string; payload?: string }) => void): unknown;
  on(event: "error", fn: (e: Error) => void): unknown;
  removeAllListeners(event?: string): unknown;
};

/**
 * Job ids changed by anyone, delivered to every listener: LISTEN on one connection of the pool
 * for writes as they commit, and a periodic re-scan of recently changed rows as the safety net
 * (after a lost connection, and for a notification lost in between). The same id may come more
 * than once; readers compare versions.
 */
export class ChangeFeed {
  private readonly listeners = new Set<(jobId: string) => void>();
  private client: ListenClient | undefined;
  private connecting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  /** The database's clock at the last successful scan (or connection). */
  private since: Date | undefined;
  private closed = true;

  constructor(private readonly options: ChangeFeedOptions) {}

  add(listener: (jobId: string) => void): () => void {
    this.listeners.add(listener);
    if (this.closed) this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.close();
    };
  }

  /** Resolves once the feed listens (tests and startup use it); never rejects. */
  ready(): Promise<void> {
    return this.connecting ?? Promise.resolve();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.retry);
    this.timer = this.retry = undefined;
    await this.connecting;
    this.drop();
  }

  private open(): void {
    this.closed = false;
    this.connecting = this.connect();
    this.timer = setInterval(() => void this.resync(), this.options.resyncIntervalMs);
    this.timer.unref();
  }

  private async connect(): Promise<void> {
    let client: ListenClient | undefined;
    try {
      client = (await this.options.pool.connect()) as ListenClient;
      client.on("error", () => this.lost());
      client.on("notification", (m) => {
        if (m.channel === this.options.channel && m.payload) this.tell(m.payload);
      });
      await client.query({ text: `LISTEN "${this.options.channel}"`, query_timeout: this.options.callTimeoutMs });
      if (this.closed) throw new Error("closed");
      this.client = client;
      const reconnected = this.since !== undefined;
      this.failures = 0;
      // Changes made while nobody listened: only after a lost connection (a first start has none).
      if (reconnected) await this.resync();
      else this.since = await this.databaseNow();
    } catch {
      if (client && client !== this.client) {
        client.removeAllListeners();
        client.on("error", () => {});
        client.release(true);
      }
      if (!this.closed) this.lost();
    }
  }

  /** The connection failed: drop it and try again after a growing delay. */
  private lost(): void {
    this.drop();
    if (this.closed || this.retry) return;
    const delay = this.options.reconnectDelayMs * 2 ** Math.min(this.failures++, 3);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.closed) this.connecting = this.connect();
    }, delay);
    this.retry.unref();
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners();
    client.on("error", () => {});
    client.release(true);
  }

  /** Tells every listener of the rows changed since the last scan (with slack); checks the connection on the way. */
  private async resync(): Promise<void> {
    if (this.closed) return;
    const { pool, table, callTimeoutMs } = this.options;
    if (!this.client) return; // reconnecting: it re-scans once connected
    try {
      await this.client.query({ text: "SELECT 1", query_timeout: callTimeoutMs });
      const since = new Date((this.since?.getTime() ?? 0) - RESCAN_SLACK_MS);
      const { rows } = await pool.query({
        text: `SELECT id, now() AS at FROM ${table} WHERE changed_at > $1 ORDER BY changed_at`,
        values: [since],
        query_timeout: callTimeoutMs,
      });
      this.since = rows.length > 0 ? (rows[0].at as Date) : await this.databaseNow();
      for (const row of rows) this.tell(row.id as string);
    } catch {
      this.lost();
    }
  }

  private async databaseNow(): Promise<Date> {
    const { rows } = await this.options.pool.query({ text: "SELECT now() AS at", query_timeout: this.options.callTimeoutMs });
    return rows[0].at as Date;
  }

  private tell(id: string): void {
    for (const listener of this.listeners) {
      try {
        listener(id);
      } catch {
        // A listener's failure is its own; the others still hear.
      }
    }
  }
}
