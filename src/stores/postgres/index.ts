export { isUnavailable, type PgPool, type PgPoolClient, type PostgresConnectionOptions } from "./connection.js";
export { PgDatabase } from "./database.js";
export { MIGRATIONS, type Migration } from "./migrations.js";
export { PostgresJobStore, type PostgresJobStoreOptions } from "./job-store.js";
export { PostgresWorkLeases, uniqueOwner, type PostgresWorkLeasesOptions } from "./work-leases.js";
