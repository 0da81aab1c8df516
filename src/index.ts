/**
 * batchplane: the batch-operations job control plane of object storage.
 *
 * `batchplane` gives what a program needs to run jobs, serve them and plug in its own stores: the
 * JobService and the Engine, the job model's types, the ports (to implement a store), the stores,
 * the server and handlers, and the three dialects' factories. Everything else stays behind its
 * subpath: `batchplane/s3-control`, `batchplane/oss`, `batchplane/cos` (each dialect whole),
 * `batchplane/http` (the HTTP layer whole: logs, the admin API's types, credentials),
 * `batchplane/testing` (ManualClock, SequentialIds, the test bed, fault injection, the in-process
 * SDK handler) and `batchplane/testing/conformance`.
 *
 * The list is explicit, and test/exports.test.ts pins it: a new name here is a decision.
 */

// Running jobs.
export {
  Engine,
  JobService,
  type CreateJobResult,
  type EngineEvent,
  type EngineOptions,
  type JobChange,
  type JobListener,
  type JobServiceOptions,
  type ListJobsRequest,
  type ListJobsResult,
  type RetryOptions,
} from "./core/index.js";

// The job model.
export {
  JOB_STATUSES,
  isTerminal,
  type CreateJobInput,
  type FailureReason,
  type Job,
  type JobStatus,
  type Manifest,
  type ManifestGenerator,
  type Operation,
  type OperationType,
  type Progress,
  type ReportConfig,
  type RequestedStatus,
  type Tag,
  type Tenant,
} from "./core/index.js";

// Errors a JobService call rejects with.
export {
  ActionNotAllowedError,
  ConcurrentUpdateError,
  DomainError,
  IdempotencyConflictError,
  InvalidArgumentError,
  InvalidTransitionError,
  isDomainError,
  JobNotFoundError,
  StoreUnavailableError,
  TooManyTagsError,
  type DomainErrorKind,
} from "./core/index.js";

// The ports: what a store of your own implements (certify it with batchplane/testing/conformance).
export {
  bodyToBytes,
  decodeKey,
  encodeKey,
  isObjectStoreError,
  ObjectStoreError,
  randomIds,
  systemClock,
  type Body,
  type ClaimRequest,
  type Clock,
  type CopyObjectRequest,
  type FunctionInvocation,
  type FunctionInvoker,
  type FunctionResult,
  type Grant,
  type IdSource,
  type InsertResult,
  type JobListing,
  type JobListQuery,
  type JobStore,
  type ListObjectsPage,
  type ListObjectsRequest,
  type ObjectAcl,
  type ObjectInfo,
  type ObjectMetadata,
  type ObjectRef,
  type ObjectStore,
  type ObjectStoreErrorCode,
  type Owner,
  type PutObjectRequest,
  type RestoreRequest,
  type TimerHandle,
  type UnitStep,
  type WorkLease,
  type WorkLeaseStore,
  type WorkSummary,
  type WorkUnitRange,
} from "./core/index.js";

// The stores.
export {
  FsJobStore,
  FsObjectStore,
  FsWorkLeases,
  MemoryJobStore,
  MemoryObjectStore,
  MemoryWorkLeases,
  PgDatabase,
  PostgresJobStore,
  PostgresWorkLeases,
  S3ObjectStore,
  uniqueOwner,
  type BucketOptions,
  type FsJobStoreOptions,
  type FsObjectStoreOptions,
  type FsWorkLeasesOptions,
  type MemoryObjectStoreOptions,
  type PgPool,
  type PostgresConnectionOptions,
  type PostgresJobStoreOptions,
  type PostgresWorkLeasesOptions,
  type Retention,
  type S3ObjectStoreOptions,
} from "./stores/index.js";

// Serving and embedding.
export {
  createFetchHandler,
  createNodeHandler,
  defaultDialects,
  loadCredentials,
  serve,
  type AccessLogEntry,
  type Credential,
  type CredentialsPort,
  type Dialect,
  type FetchHandler,
  type HandlerOptions,
  type NodeHandler,
  type RunningServer,
  type ServeOptions,
} from "./server/index.js";
export {
  localEndpointConfig,
  s3ControlDialect,
  type LocalEndpointConfig,
  type LocalEndpointOptions,
  type S3ControlDialectOptions,
} from "../dialects/s3-control/index.js";
export { ossDialect, type OssDialectOptions } from "../dialects/oss/index.js";
export { cosDialect, type CosDialectOptions } from "../dialects/cos/index.js";
