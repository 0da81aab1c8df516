import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS, PostgresJobStore } from "../../../src/stores/postgres/index.js";
import { listQuery } from "../../../src/stores/postgres/job-store.js";
import { sampleJob } from "../../../src/testing/conformance/job-store-suite.js";
import { startPostgres, type PostgresCluster } from "../../support/postgres.js";

let cluster: PostgresCluster;
let admin: pg.Client;
beforeAll(async () => {
  cluster = await startPostgres();
  admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
}, 120_000);
afterAll(async () => {
  await admin?.end();
  await cluster?.stop();
});

describe("PostgresJobStore's tables", () => {
  it("are created once when many processes open the same schema at the same moment", async () => {
    const stores = Array.from({ length: 6 }, () => new PostgresJobStore({ connectionString: cluster.url, schema: "together" }));
    await Promise.all(stores.map((s) => s.open()));
    const { rows } = await admin.query("SELECT version, name FROM together.schema_migrations ORDER BY version");
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const job = sampleJob();
    expect(await stores[0]!.insert(job)).toEqual({ inserted: true });
    expect(await stores[5]!.get(job.id)).toEqual(job);
    for (const s of stores) await s.close();
  }, 60_000);

  it("live in the schema asked for (default batchplane), which must be a plain identifier", async () => {
    const mine = new PostgresJobStore({ connectionString: cluster.url, schema: "tenant_42" });
    const plain = new PostgresJobStore({ connectionString: cluster.url });
    await mine.insert(sampleJob());
    await plain.open();
    const { rows } = await admin.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'jobs' ORDER BY 1");
    expect(rows.map((r) => r.table_schema)).toEqual(expect.arrayContaining(["batchplane", "tenant_42"]));
    expect((await admin.query("SELECT count(*)::int AS n FROM tenant_42.jobs")).rows[0].n).toBe(1);
    expect((await admin.query("SELECT count(*)::int AS n FROM batchplane.jobs")).rows[0].n).toBe(0);
    expect(() => new PostgresJobStore({ connectionString: cluster.url, schema: 'x"; DROP TABLE y; --' })).toThrow(RangeError);
    expect(() => new PostgresJobStore({ connectionString: cluster.url, schema: "Upper" })).toThrow(RangeError);
    await mine.close();
    await plain.close();
  });

  it("answer a page of ListJobs and the engine's scan from an index, whatever the number of jobs", async () => {
    const store = new PostgresJobStore({ connectionString: cluster.url, schema: "explained" });
    await store.open();
    // 100,000 jobs over 20 tenants; 50 of them Active.
    await admin.query(`
      INSERT INTO explained.jobs (id, dialect, account, region, client_request_token, status, priority, creation_time, version, body)
      SELECT 'job-' || n, 'aws', 'acct-' || (n % 20), 'us-east-1', 'token-' || n,
             CASE WHEN n % 2000 = 0 THEN 'Active' ELSE 'Complete' END, n % 100, 1700000000000 + n, 1, '{}'::jsonb
      FROM generate_series(1, 100000) AS n`);
    await admin.query("ANALYZE explained.jobs");
    const tenant = { dialect: "aws", account: "acct-7", region: "us-east-1" };
    const plans = [
      listQuery("explained", { tenant, limit: 1001 }),
      listQuery("explained", { tenant, limit: 1001, after: { creationTime: 1700000050007, id: "job-50007" } }),
      listQuery("explained", { tenant, limit: 1001, statuses: ["Complete", "Failed"] }),
    ];
    for (const { text, values } of plans) {
      const plan = JSON.stringify((await admin.query(`EXPLAIN (FORMAT JSON) ${text}`, values)).rows[0]["QUERY PLAN"]);
      expect(plan).toContain('"Index Name":"jobs_listing"');
      expect(plan).not.toContain('"Node Type":"Sort"');
      expect(plan).not.toContain("Seq Scan");
    }
    const scan = JSON.stringify(
      (await admin.query("EXPLAIN (FORMAT JSON) SELECT id FROM explained.jobs WHERE status = ANY($1::text[])", [["Active", "Pausing"]])).rows[0]["QUERY PLAN"],
    );
    expect(scan).toContain("jobs_status");
    expect(scan).not.toContain("Seq Scan");
    // And the answers are right: newest first, after the cursor.
    const page = await store.list({ tenant, limit: 3, after: { creationTime: 1700000050007, id: "job-50007" } });
    expect(page.map((j) => j.id)).toEqual(["job-49987", "job-49967", "job-49947"]);
    expect((await store.scan(["Active"])).length).toBe(50);
    await store.close();
  }, 120_000);
});
