import { describe, expect, it } from "vitest";
import pg from "pg";
import { postgresBinDir, startPostgres } from "../../support/postgres.js";

describe("the PostgreSQL test harness", () => {
  it("fails, naming the package to install, when PostgreSQL is nowhere to be found", () => {
    expect(() => postgresBinDir([], "/nonexistent")).toThrow(/apt-get install -y postgresql/);
  });

  it("starts a throwaway cluster that survives a restart and is gone after stop()", async () => {
    const cluster = await startPostgres();
    try {
      const client = new pg.Client({ connectionString: cluster.url });
      await client.connect();
      await client.query("CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");
      await client.end();
      await cluster.restart();
      const again = new pg.Client({ connectionString: cluster.url });
      await again.connect();
      expect((await again.query("SELECT n FROM kept")).rows).toEqual([{ n: 42 }]);
      await again.end();
    } finally {
      await cluster.stop();
    }
    const late = new pg.Client({ connectionString: cluster.url, connectionTimeoutMillis: 2_000 });
    await expect(late.connect()).rejects.toThrow();
  }, 120_000);
});
