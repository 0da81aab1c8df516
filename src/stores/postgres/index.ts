export { isUnavailable, type PgPool, type PgPoolClient, type PostgresConnectionOptions } from "./connection.js";
export { MIGRATIONS, type Migration } from "./migrations.js";
export { PostgresJobStore, type PostgresJobStoreOptions } from "./job-store.js";
