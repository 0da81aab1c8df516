import { afterAll, beforeAll } from "vitest";
import { PostgresJobStore, PostgresWorkLeases } from "../../../src/stores/postgres/index.js";
import { testJobStore } from "../../../src/testing/conformance/job-store-suite.js";
import { testWorkLeases } from "../../../src/testing/conformance/work-lease-suite.js";
import { startPostgres, type PostgresCluster } from "../../support/postgres.js";

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(() => cluster?.stop());

let schemas = 0;

/**
 * A fixture over a schema of its own (each test starts from empty tables, migrated by the store
 * itself); `reopen` opens another store over the same schema, as another process would.
 */
function fixture<S extends { close(): Promise<void> }>(open: (options: { connectionString: string; schema: string }) => S) {
  const schema = `conformance_${++schemas}`;
  const opened: S[] = [];
  const reopen = () => {
    const store = open({ connectionString: cluster.url, schema });
    opened.push(store);
    return store;
  };
  return {
    store: reopen(),
    reopen,
    dispose: async () => {
      for (const store of opened) await store.close();
    },
  };
}

testJobStore("PostgresJobStore", () => fixture((o) => new PostgresJobStore(o)), { durable: true });
testWorkLeases("PostgresWorkLeases", () => fixture((o) => new PostgresWorkLeases(o)), { durable: true });
