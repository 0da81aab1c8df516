import type { PgPool } from "./connection.js";

/**
 * The tables, as numbered migrations: each runs once, in order, in one transaction under an
 * advisory lock, so that processes starting together neither race nor run a step twice. A new
 * step is appended, never edited; `schema_migrations` records which ran.
 */
export interface Migration {
  version: number;
  name: string;
  sql(schema: string): string;
}

/** The NOTIFY channel of a schema's job changes (payload: the job id). */
export const jobsChannel = (schema: string) => `${schema}_jobs`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "jobs",
    // Columns for what is queried; the rest of the job as jsonb. `id` and the list order use the
    // C collation: byte order of UTF-8, which is the code-point order JS sorts ids by (they differ
    // only between astral characters and U+E000..U+FFFF, which no dialect's ids contain).
    sql: (s) => `
      CREATE TABLE ${s}.jobs (
        id text COLLATE "C" PRIMARY KEY,
        dialect text NOT NULL,
        account text NOT NULL,
        region text NOT NULL,
        client_request_token text NOT NULL,
        status text NOT NULL,
        priority integer NOT NULL,
        creation_time bigint NOT NULL,
        version integer NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        body jsonb NOT NULL
      );
      CREATE UNIQUE INDEX jobs_token ON ${s}.jobs (dialect, account, region, client_request_token);
      CREATE INDEX jobs_listing ON ${s}.jobs (dialect, account, region, creation_time DESC, id DESC);
      CREATE INDEX jobs_status ON ${s}.jobs (status, priority DESC);
      CREATE INDEX jobs_changed ON ${s}.jobs (changed_at);
      CREATE FUNCTION ${s}.notify_job_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(TG_ARGV[0], CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
        RETURN NULL;
      END $$;
      CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OR DELETE ON ${s}.jobs
        FOR EACH ROW EXECUTE FUNCTION ${s}.notify_job_change('${jobsChannel(s)}');
    `,
  },
  {
    version: 2,
    name: "work leases",
    // A plan a job; a row a unit (its lease, progress and counters); a row a recorded step's
    // report rows of one status. Dropping a plan drops the rest.
    sql: (s) => `
      CREATE TABLE ${s}.work_plans (
        job_id text COLLATE "C" PRIMARY KEY,
        units integer NOT NULL,
        planned_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${s}.work_units (
        job_id text COLLATE "C" NOT NULL REFERENCES ${s}.work_plans (job_id) ON DELETE CASCADE,
        unit integer NOT NULL,
        start_at bigint NOT NULL,
        end_at bigint NOT NULL,
        position bigint NOT NULL,
        succeeded bigint NOT NULL DEFAULT 0,
        failed bigint NOT NULL DEFAULT 0,
        rows_succeeded bigint NOT NULL DEFAULT 0,
        rows_failed bigint NOT NULL DEFAULT 0,
        steps integer NOT NULL DEFAULT 0,
        done boolean NOT NULL DEFAULT false,
        owner text,
        token text,
        expires_at bigint,
        PRIMARY KEY (job_id, unit)
      );
      CREATE INDEX work_units_open ON ${s}.work_units (job_id, unit) WHERE NOT done;
      CREATE INDEX work_units_owner ON ${s}.work_units (owner) WHERE owner IS NOT NULL;
      CREATE TABLE ${s}.work_rows (
        job_id text COLLATE "C" NOT NULL REFERENCES ${s}.work_plans (job_id) ON DELETE CASCADE,
        unit integer NOT NULL,
        step integer NOT NULL,
        status text NOT NULL,
        rows text[] NOT NULL,
        PRIMARY KEY (job_id, status, unit, step)
      );
    `,
  },
  {
    version: 3,
    name: "listing columns",
    // What ListJobs shows of a job beside the indexed columns, as columns PostgreSQL derives from
    // the body (stored generated columns: every write keeps them in step, no code writes them), so
    // that a page of listings reads neither the whole document nor sends it over the wire.
    sql: (s) => `
      ALTER TABLE ${s}.jobs
        ADD COLUMN description text GENERATED ALWAYS AS (body->>'description') STORED,
        ADD COLUMN operation_type text GENERATED ALWAYS AS (body->'operation'->>'type') STORED,
        ADD COLUMN progress jsonb GENERATED ALWAYS AS (body->'progress') STORED,
        ADD COLUMN termination_date bigint GENERATED ALWAYS AS ((body->>'terminationDate')::bigint) STORED,
        ADD COLUMN suspended_date bigint GENERATED ALWAYS AS ((body->>'suspendedDate')::bigint) STORED;
    `,
  },
];

/** Arbitrary, fixed: the first half of the advisory-lock key of batchplane's migrations. */
const LOCK_CLASS = 0x62706c6e; // "bpln"

/** Creates the schema and applies the migrations it lacks; safe to call from many processes at once. */
export async function migrate(pool: PgPool, schema: string, migrations: readonly Migration[] = MIGRATIONS): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query({ text: "SELECT pg_advisory_xact_lock($1, hashtext($2))", values: [LOCK_CLASS, schema] });
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query(`SELECT version FROM ${schema}.schema_migrations`);
    const done = new Set(rows.map((r: { version: number }) => r.version));
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query(m.sql(schema));
      await client.query({ text: `INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, $2)`, values: [m.version, m.name] });
    }
    await client.query("COMMIT");
    client.release();
  } catch (e) {
    await client.query("ROLLBACK").catch(() => undefined);
    client.release(true);
    throw e;
  }
}
