import { afterAll, beforeAll } from "vitest";
import { PostgresJobStore } from "../../../src/stores/postgres/index.js";
import { testJobStore } from "../../../src/testing/conformance/job-store-suite.js";
import { startPostgres, type PostgresCluster } from "../../support/postgres.js";

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(() => cluster?.stop());

let schemas = 0;
testJobStore(
  "PostgresJobStore",
  () => {
    // A schema a fixture: each test starts from empty tables, migrated by the store itself.
    const schema = `conformance_${++schemas}`;
    const opened: PostgresJobStore[] = [];
    const open = () => {
      const store = new PostgresJobStore({ connectionString: cluster.url, schema });
      opened.push(store);
      return store;
    };
    return {
      store: open(),
      reopen: open,
      dispose: async () => {
        for (const store of opened) await store.close();
      },
    };
  },
  { durable: true },
);
