/**
 * The ports: how the core reaches the world. Interfaces only; implementations live in src/stores
 * (memory, filesystem, S3-compatible) or in the program that embeds batchplane.
 */
import type { Grant, Owner, Tag, Tenant } from "./model/common.js";
import type { Job, JobStatus } from "./model/index.js";
import type { ObjectMetadata } from "./model/operation.js";

// ---------------------------------------------------------------- time and ids

export type TimerHandle = { readonly id: number } | object;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface IdSource {
  /** A fresh RFC 4122 UUID (lowercase, hyphenated); dialects shape job ids from it. */
  uuid(): string;
}

// ---------------------------------------------------------------- object store

export interface ObjectRef {
  bucket: string;
  key: string;
  versionId?: string;
}

export interface ObjectInfo {
  bucket: string;
  key: string;
  versionId?: string;
  /** Hex, without quotes. */
  etag: string;
  size: number;
  lastModified: number;
  storageClass: string;
  contentType?: string;
  metadata?: ObjectMetadata;
  /** Set once a restore was requested for an archived object. */
  restore?: { ongoing: boolean; expiryDate?: number };
  encryption?: { type: "managed" | "kms" | "dual-kms" | "customer" | "none"; kmsKeyId?: string };
  replicationStatus?: string;
  legalHold?: "ON" | "OFF";
  retention?: { mode: "GOVERNANCE" | "COMPLIANCE"; retainUntil: number };
}

export type Body = Uint8Array | string | AsyncIterable<Uint8Array>;

export interface PutObjectRequest {
  bucket: string;
  key: string;
  body: Body;
  contentType?: string;
  metadata?: ObjectMetadata;
  storageClass?: string;
  tags?: Tag[];
}

export interface ObjectAcl {
  /** A canned ACL name, when the ACL is one. */
  canned?: string;
  owner?: Owner;
  grants?: Grant[];
}

export interface CopyObjectRequest {
  source: ObjectRef;
  target: { bucket: string; key: string };
  /** COPY keeps the source's metadata, REPLACE uses `metadata`, ADD merges it over the source's. */
  metadataDirective?: "COPY" | "REPLACE" | "ADD";
  metadata?: ObjectMetadata;
  storageClass?: string;
  taggingDirective?: "COPY" | "REPLACE" | "ADD";
  tags?: Tag[];
  acl?: ObjectAcl;
  /** Precondition on the source: copy only if modified after / not modified after (ms). */
  modifiedSince?: number;
  unmodifiedSince?: number;
  encryption?: { type: "managed" | "kms"; kmsKeyId?: string; bucketKeyEnabled?: boolean };
  legalHold?: "ON" | "OFF";
  retention?: { mode: "GOVERNANCE" | "COMPLIANCE"; retainUntil: number };
}

export interface ListObjectsRequest {
  bucket: string;
  prefix?: string;
  continuationToken?: string;
  /** At most this many; the store may return fewer. */
  maxKeys?: number;
}

export interface ListObjectsPage {
  objects: ObjectInfo[];
  /** Present while more objects remain. */
  continuationToken?: string;
}

export interface RestoreRequest {
  days?: number;
  tier?: "Standard" | "Bulk" | "Expedited";
}

/**
 * Object storage as the engine needs it. Every method rejects with an ObjectStoreError for the
 * conditions a real store reports (missing bucket or key, access denied, wrong object state...).
 */
export interface ObjectStore {
  head(ref: ObjectRef): Promise<ObjectInfo>;
  get(ref: ObjectRef): Promise<{ info: ObjectInfo; body: AsyncIterable<Uint8Array> }>;
  put(req: PutObjectRequest): Promise<{ etag: string; versionId?: string }>;
  list(req: ListObjectsRequest): Promise<ListObjectsPage>;
  delete(ref: ObjectRef): Promise<{ versionId?: string; deleteMarker?: boolean }>;
  copy(req: CopyObjectRequest): Promise<{ etag: string; versionId?: string }>;

  getTagging(ref: ObjectRef): Promise<Tag[]>;
  putTagging(ref: ObjectRef, tags: Tag[]): Promise<void>;
  deleteTagging(ref: ObjectRef): Promise<void>;

  getAcl(ref: ObjectRef): Promise<ObjectAcl>;
  putAcl(ref: ObjectRef, acl: ObjectAcl): Promise<void>;

  /** Archived storage classes only; anything else rejects with InvalidObjectState. */
  restore(ref: ObjectRef, req: RestoreRequest): Promise<void>;
  putLegalHold(ref: ObjectRef, status: "ON" | "OFF"): Promise<void>;
  /** Without mode and retainUntil the retention is removed. */
  putRetention(
    ref: ObjectRef,
    retention: { mode?: "GOVERNANCE" | "COMPLIANCE"; retainUntil?: number; bypassGovernance?: boolean },
  ): Promise<void>;

  /** Optional capabilities: detected, not assumed. */
  createBucket?(bucket: string, options?: { versioning?: boolean }): Promise<void>;
  /** The bucket a replicate operation copies to when the job names none. */
  replicationTarget?(bucket: string): Promise<string | undefined>;
}

/** Codes shared by the object stores of all three providers (and by S3-compatible ones). */
export type ObjectStoreErrorCode =
  | "NoSuchBucket"
  | "NoSuchKey"
  | "NoSuchVersion"
  | "AccessDenied"
  | "InvalidObjectState"
  | "PreconditionFailed"
  | "InvalidRequest"
  | "InvalidArgument"
  | "InvalidTag"
  | "RestoreAlreadyInProgress"
  | "MethodNotAllowed"
  | "SlowDown"
  | "RequestTimeout"
  | "ServiceUnavailable"
  | "InternalError"
  | (string & {});

const RETRYABLE_CODES = new Set(["SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError", "Throttling"]);

export class ObjectStoreError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: ObjectStoreErrorCode,
    readonly status: number,
    message: string,
    options?: { retryable?: boolean; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ObjectStoreError";
    this.retryable = options?.retryable ?? (status >= 500 || RETRYABLE_CODES.has(code));
  }
}

export function isObjectStoreError(e: unknown): e is ObjectStoreError {
  return e instanceof ObjectStoreError;
}

// ---------------------------------------------------------------- function invoker

export interface FunctionInvocation {
  functionId: string;
  schemaVersion?: string;
  userArguments?: Record<string, string>;
  jobId: string;
  taskId: string;
  object: ObjectRef;
}

export interface FunctionResult {
  resultCode: "Succeeded" | "TemporaryFailure" | "PermanentFailure";
  resultString?: string;
}

export interface FunctionInvoker {
  invoke(call: FunctionInvocation): Promise<FunctionResult>;
}

// ---------------------------------------------------------------- job store

export type InsertResult = { inserted: true } | { inserted: false; existing: Job };

export interface JobListQuery {
  tenant: Tenant;
  /** Empty or absent: every status. */
  statuses?: readonly JobStatus[];
  /** Continue after this position (exclusive) in newest-first order. */
  after?: { creationTime: number; id: string };
  limit: number;
}

/**
 * Where jobs live. Shaped for a database shared by several processes: inserts are atomic on the
 * job id and on (tenant, clientRequestToken); updates compare-and-set on `version`.
 */
export interface JobStore {
  /** Inserts a new job, unless the tenant already has a job with the same clientRequestToken. */
  insert(job: Job): Promise<InsertResult>;
  get(id: string): Promise<Job | undefined>;
  findByToken(tenant: Tenant, clientRequestToken: string): Promise<Job | undefined>;
  /**
   * Replaces the stored job if its version is still `expectedVersion`; `job.version` must be
   * `expectedVersion + 1`. Returns false when another writer got there first.
   */
  replace(job: Job, expectedVersion: number): Promise<boolean>;
  /** Deletes the job if its version is still `expectedVersion`. */
  delete(id: string, expectedVersion: number): Promise<boolean>;
  /** One tenant's jobs, newest first (creationTime, then id, both descending). */
  list(query: JobListQuery): Promise<Job[]>;
  /** Every tenant's jobs in the given statuses: how an engine finds work after a restart. */
  scan(statuses: readonly JobStatus[]): Promise<Job[]>;
  /**
   * Optional: a feed of changes made through other instances over the same data (other
   * processes sharing a database). Calls `onChange` with the id of a job that was inserted,
   * replaced or deleted, at least once a change, possibly for changes made through this very
   * instance too; the reader reads the job again. Returns the function that stops the feed.
   * Stores one process owns alone (memory, filesystem) need not offer it.
   */
  watch?(onChange: (jobId: string) => void): () => void;
}
