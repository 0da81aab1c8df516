/**
 * batchplane: the batch-operations job control plane of object storage.
 *
 * `batchplane` gives the core (JobService, Engine, model, ports), the stores, the HTTP layer and
 * the three dialects' factories. Subpaths: `batchplane/s3-control`, `batchplane/oss`,
 * `batchplane/cos` (each dialect whole), `batchplane/http` (handlers and serve),
 * `batchplane/testing` and `batchplane/testing/conformance`.
 */
export * from "./core/index.js";
export * from "./stores/index.js";
export * from "./server/index.js";
export {
  localEndpointConfig,
  s3ControlDialect,
  s3ControlPolicy,
  type LocalEndpointConfig,
  type LocalEndpointOptions,
  type S3ControlDialectOptions,
} from "../dialects/s3-control/index.js";
export { OSS_POLICY, ossDialect, type OssDialectOptions } from "../dialects/oss/index.js";
export { cosDialect, cosPolicy, type CosDialectOptions } from "../dialects/cos/index.js";
