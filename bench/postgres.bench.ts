/**
 * ListJobs over PostgreSQL: 100,000 jobs of one tenant (plus as many of others), every page of
 * 1,000 (maxResults' default and ceiling: what an SDK paginator asks for) read through
 * JobService.listJobs (nextToken to nextToken), so that deep pages count as much as the first.
 * A page reads the listing columns only (PostgresJobStore.list), not the jobs' documents. Prints `listjobs ms per page, 100k jobs (postgres)` (median page; target ≤ 10)
 * beside the same figure at 1,000 jobs: a page should cost the same whatever the table holds.
 *
 * Runs on its own too: `npx tsx bench/postgres.bench.ts`.
 */
import pg from "pg";
import { JobService } from "../src/index.js";
import { PostgresJobStore } from "../src/stores/postgres/index.js";
import { LISTING_COLUMNS, listQuery } from "../src/stores/postgres/job-store.js";
import { startPostgres } from "../test/support/postgres.js";

const JOBS = Number(process.env.BENCH_PG_JOBS ?? 100_000);
const PAGE = 1000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One tenant's `count` jobs (and as many of another tenant's), as JobService would have written them. */
async function fill(admin: pg.Client, schema: string, account: string, count: number): Promise<void> {
  const body = {
    confirmationRequired: false,
    requestDigest: "0".repeat(64),
    role: "arn:aws:iam::123456789012:role/batch",
    operation: { type: "putTagging", tags: [{ key: "k", value: "v" }] },
    manifest: { location: { bucket: "manifests", key: "m.csv", etag: "e" }, format: "csv", fields: ["bucket", "key"] },
    report: { enabled: true, bucket: "reports", prefix: "r", scope: "AllTasks" },
    progress: { total: 10, succeeded: 10, failed: 0, activeMs: 1000, activeSince: null },
    failureReasons: [],
    tags: [],
    terminationDate: 1_900_000_000_000,
  };
  for (const acct of [account, `${account}-other`]) {
    await admin.query(
      `INSERT INTO ${schema}.jobs (id, dialect, account, region, client_request_token, status, priority, creation_time, version, body)
       SELECT md5($1 || n), 's3-control', $1, 'us-east-1', 'token-' || n, 'Complete', 10, 1800000000000 + n, 3, $3::jsonb
       FROM generate_series(1, $2::int) AS n`,
      [acct, count, JSON.stringify(body)],
    );
  }
  await admin.query(`ANALYZE ${schema}.jobs`);
}

/**
 * Median ms of a page over every page of the tenant's jobs (walked again until at least 20 pages
 * were timed), and this process's CPU ms a page: on a shared machine the steadier figure.
 */
async function pages(jobs: JobService, account: string, size = PAGE): Promise<{ ms: number; cpuMs: number; pages: number }> {
  const tenant = { dialect: "s3-control", account, region: "us-east-1" };
  const times: number[] = [];
  let cpu = 0;
  let nextToken: string | undefined;
  for (let round = 0; round < 2 || times.length < 20; round++) {
    do {
      const started = performance.now();
      const used = process.cpuUsage();
      const page = await jobs.listJobs(tenant, { maxResults: size, nextToken });
      if (round > 0) {
        // The first walk warms the cache.
        times.push(performance.now() - started);
        const { user, system } = process.cpuUsage(used);
        cpu += (user + system) / 1000;
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return { ms: median(times), cpuMs: cpu / times.length, pages: times.length };
}

export interface PostgresBench {
  /** Median ms of a page of 1,000 over 100k jobs; of a page of 100 over them; of a page of 1,000 over 1,000 jobs. */
  big: number;
  big100: number;
  small: number;
  pages: number;
  /** This process's CPU ms a page of 1,000 over 100k jobs (mean). */
  bigCpu: number;
  /** The same page's statement alone, median ms: the listing columns, and the whole rows (the body too) as the store read them before. */
  narrowMs: number;
  wholeMs: number;
}

/** Median ms of one page's statement over 100k jobs, through node-postgres, with these columns; interleaved by the caller. */
async function statementMs(admin: pg.Client, schema: string, columns: string, rounds: number): Promise<number> {
  const { text, values } = listQuery(schema, { tenant: { dialect: "s3-control", account: "big", region: "us-east-1" }, limit: PAGE + 1, after: { creationTime: 1_800_000_000_000 + JOBS / 2, id: "~" } });
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await admin.query(text.replace(/^SELECT .* FROM/, `SELECT ${columns} FROM`), values);
    times.push(performance.now() - started);
  }
  return median(times);
}

export async function runPostgresBench(): Promise<PostgresBench> {
  const cluster = await startPostgres();
  const admin = new pg.Client({ connectionString: cluster.url });
  try {
    await admin.connect();
    const store = new PostgresJobStore({ connectionString: cluster.url, schema: "bench" });
    await store.open();
    const jobs = new JobService({ store, clock: { now: () => 1_800_000_000_000 + 1e9, setTimeout, clearTimeout } as never });
    await fill(admin, "bench", "small", 1_000);
    await fill(admin, "bench", "big", JOBS);
    const small = await pages(jobs, "small");
    const big = await pages(jobs, "big");
    const big100 = await pages(jobs, "big", 100);
    // What reading the listing columns saves, in the same run: the same statement with the whole rows.
    const narrow: number[] = [];
    const whole: number[] = [];
    for (let round = 0; round < 5; round++) {
      narrow.push(await statementMs(admin, "bench", LISTING_COLUMNS, 10));
      whole.push(await statementMs(admin, "bench", `${LISTING_COLUMNS}, client_request_token, body`, 10));
    }
    await store.close();
    return { big: big.ms, big100: big100.ms, small: small.ms, pages: big.pages, bigCpu: big.cpuMs, narrowMs: median(narrow), wholeMs: median(whole) };
  } finally {
    await admin.end().catch(() => undefined);
    await cluster.stop();
  }
}

export function printPostgresBench(r: PostgresBench): void {
  console.log(`listjobs ms per page, 100k jobs (postgres): ${r.big.toFixed(2)} (target ≤ 10)`);
  console.log(
    `(pages of ${PAGE} jobs, ListJobs' default, through JobService.listJobs: median of ${r.pages} pages of ${JOBS} jobs, ` +
      `${r.bigCpu.toFixed(2)} ms of this process's CPU a page; ` +
      `a page of 1,000 over 1,000 jobs ${r.small.toFixed(2)} ms; a page of 100 over ${JOBS} jobs ${r.big100.toFixed(2)} ms; ` +
      `the page's statement alone ${r.narrowMs.toFixed(2)} ms with the listing columns, ${r.wholeMs.toFixed(2)} ms with the whole rows)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) printPostgresBench(await runPostgresBench());
