/**
 * The ports: how the core reaches the world. Interfaces only; implementations live in src/stores
 * (memory, filesystem, S3-compatible) or in the program that embeds batchplane.
 */
import type { Grant, Owner, Tag, Tenant } from "./model/common.js";
import type { Job, JobStatus } from "./model/index.js";
import type { ObjectMetadata, Operation } from "./model/operation.js";

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
  /** Keys after this one only (ignored with a continuationToken); optional for stores (S3's StartAfter). */
  startAfter?: string;
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

  /** Optional bucket management, which the S3 object API serves where a store has it. */
  listBuckets?(): Promise<BucketInfo[]>;
  /** A bucket's settings; NoSuchBucket when it does not exist. */
  bucketInfo?(bucket: string): Promise<BucketInfo>;
  /** Removes an empty bucket; BucketNotEmpty (409) while it holds objects. */
  deleteBucket?(bucket: string): Promise<void>;
  /** Turns versioning on, or suspends it (the versions kept stay). */
  putBucketVersioning?(bucket: string, enabled: boolean): Promise<void>;
  /** Every version and delete marker, keys in order, newest version first; a page never splits a key. */
  listVersions?(req: ListObjectsRequest): Promise<ListVersionsPage>;
}

export interface BucketInfo {
  name: string;
  creationDate: number;
  /** Absent while versioning was never turned on. */
  versioning?: "Enabled" | "Suspended";
  objectLock: boolean;
}

export interface ObjectVersionInfo extends ObjectInfo {
  /** "null" for a version written while the bucket kept none. */
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
}

export interface ListVersionsPage {
  versions: ObjectVersionInfo[];
  continuationToken?: string;
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
 * What a listing shows of a job (ListJobs' descriptor in every dialect) and what the JobService
 * needs to apply its time rules to it. A store's `list` may answer with whole jobs; a database
 * answers with just these, so that a page does not carry every job's whole document.
 */
export type JobListing = Pick<
  Job,
  "id" | "tenant" | "status" | "priority" | "description" | "progress" | "creationTime" | "terminationDate" | "suspendedDate" | "version"
> & { operation: { type: Operation["type"] } };

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
  /** One tenant's jobs, newest first (creationTime, then id, both descending): their listings, or the whole jobs. */
  list(query: JobListQuery): Promise<JobListing[]>;
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

// ---------------------------------------------------------------- work leases

/**
 * A job's work, split into units that engines lease: one code path runs a job on one process or on
 * many. The contract, which every implementation passes (`testWorkLeases` in
 * batchplane/testing/conformance):
 *
 * - **Units.** `plan` splits a job's manifest into units, ranges [start, end) of 0-based record
 *   ordinals, numbered 0, 1, ... in manifest order, contiguous from 0 to the job's total. A job is
 *   planned once: a later `plan` of the same job (another process, a restart) changes nothing.
 * - **Time** is the caller's: every call that compares or sets a lease takes `now` (ms since the
 *   epoch, the engine's clock), so that a ManualClock drives leases as it drives everything else.
 *   The store keeps no clock of its own. (Processes sharing a store are assumed to have clocks in
 *   step to well within a lease's duration.)
 * - **Claims.** `claim` hands out up to `limit` units of one job, lowest unit number first, among
 *   those claimable at `now`: not done, and never leased, released, or under a lease that expired
 *   (`expiresAt <= now`). Each claimed unit gets a new lease: the caller's owner id, `expiresAt =
 *   now + leaseMs`, and a fresh `token` (never equal to any token the unit had before). Two
 *   concurrent claims never return the same unit (a database uses `FOR UPDATE SKIP LOCKED`).
 *   Priority across jobs is the caller's: an engine claims from the highest-priority job first.
 * - **Fencing.** `renew`, `record`, `finish` and `release` act only while the lease is held: the
 *   unit's current token is `lease.token` and `now < expiresAt` of the stored lease. Otherwise
 *   they change nothing and answer false / undefined: the caller has lost the unit and must stop
 *   working on it (another engine may have it).
 * - **Progress.** A unit stands at `position` (start <= position <= end): its records [start,
 *   position) are finished, their counters and report rows recorded. `record` appends one step
 *   (the counters and rows of records [position, step.position)) and moves `position`, in one
 *   atomic write; `finish` does the same with `step.position === end` and marks the unit done, also
 *   in one atomic write. A new owner of an unfinished unit resumes at its recorded `position`:
 *   after a crash at most the tasks past the last recorded step run again.
 * - **Aggregates.** `summary` sums the recorded counters over every unit (done or not): the
 *   failure threshold across processes and DescribeJob's progress read it.
 * - **Rows.** `rows` yields a job's recorded report rows of one status in manifest order: unit by
 *   unit, each unit's steps in the order recorded. The report is built from it. Where rows are
 *   kept is the implementation's affair (MemoryWorkLeases spills finished units' rows beyond a
 *   budget; the engine's default puts them beside the report, never under the report's prefix).
 * - **Owners.** `releaseOwner` ends every lease an owner id holds (their tokens stop working):
 *   an engine starting under an owner id takes over what an earlier life of that id left, at once
 *   instead of after the leases expire. Owner ids of engines alive at the same time must differ.
 * - **Cleanup.** `drop` forgets a job's units and rows (once its report is written); `jobs` lists
 *   the planned jobs, so that an engine can drop those whose jobs ended or vanished (a crash
 *   between the end and `drop` leaves nothing behind for good).
 *
 * The memory implementation keeps everything in the process; the filesystem one is durable for
 * one process per data directory; a database one (PostgreSQL) shares units between processes.
 */
export interface WorkLeaseStore {
  /**
   * True when engines in several processes may use this store at once (a database). An engine
   * without an explicit owner id then takes a fresh one (so that starting never takes over a live
   * process's leases); otherwise its default owner id is the same on every start ("local"), and a
   * restarted engine takes over at once what its earlier life held.
   */
  readonly shared?: boolean;
  /** Splits a job into units (see the contract); `planned` is false when the job had a plan already. */
  plan(jobId: string, units: readonly WorkUnitRange[]): Promise<{ planned: boolean; units: number }>;
  /** Up to `limit` claimable units of the job, lowest first, each under a new lease (see the contract). */
  claim(jobId: string, request: ClaimRequest): Promise<WorkLease[]>;
  /** Extends a held lease to `now + leaseMs`; undefined when the lease was lost. */
  renew(lease: WorkLease, leaseMs: number, now: number): Promise<WorkLease | undefined>;
  /**
   * Records progress within a held unit (0 < step.position - position, step.position <= end); false
   * when the lease was lost. A step out of range rejects and records nothing. Neither `record` nor
   * `finish` changes the lease's expiry (only `renew` does).
   */
  record(lease: WorkLease, step: UnitStep, now: number): Promise<boolean>;
  /** Records the last step (step.position === end) and marks the unit done, atomically; false when the lease was lost. */
  finish(lease: WorkLease, step: UnitStep, now: number): Promise<boolean>;
  /** Gives a held unit back, its progress kept: claimable at once. False when the lease was lost already. */
  release(lease: WorkLease, now: number): Promise<boolean>;
  /** Ends every lease held under `owner` (see the contract); how many there were. */
  releaseOwner(owner: string): Promise<number>;
  /** The job's units and counters at `now`; undefined when the job is not planned. */
  summary(jobId: string, now: number): Promise<WorkSummary | undefined>;
  /** The job's recorded rows of one status, in manifest order, in chunks (see ReportChunk). */
  rows(jobId: string, status: "succeeded" | "failed"): AsyncIterable<ReportChunk>;
  /** Forgets the job's units, leases and rows. */
  drop(jobId: string): Promise<void>;
  /** The ids of every planned job. */
  jobs(): Promise<string[]>;
}

/** Records [start, end) of a job's manifest, by 0-based ordinal. */
export interface WorkUnitRange {
  start: number;
  end: number;
}

export interface ClaimRequest {
  /** Who holds the leases (one id per live engine). */
  owner: string;
  /** At most this many units (at least 1). */
  limit: number;
  leaseMs: number;
  now: number;
}

/** A unit under a lease, as `claim` or `renew` gives it. */
export interface WorkLease {
  jobId: string;
  /** The unit's number: 0, 1, ... in manifest order. */
  unit: number;
  start: number;
  end: number;
  /** Where the unit stood when claimed (or renewed): records [start, position) are recorded. */
  position: number;
  owner: string;
  /** Changes on every claim: the fencing token. */
  token: string;
  expiresAt: number;
}

/** What finishing records [lease position, position) of a unit produced. */
/**
 * Recorded rows as a lease store gives them back: strings each holding one row or several whole
 * rows end to end, or the UTF-8 bytes of whole rows (a store that keeps rows as report text gives
 * it back as it is, neither cut into rows nor decoded; the report only joins them).
 */
export type ReportChunk = string[] | Uint8Array;

export interface UnitStep {
  position: number;
  succeeded: number;
  failed: number;
  /** Their report rows (each with its newline), in manifest order, by task status. */
  rows: { succeeded: string[]; failed: string[] };
}

export interface WorkSummary {
  units: number;
  done: number;
  /** Units under a lease live at `now`. */
  leased: number;
  /** Recorded counters, over every unit. */
  succeeded: number;
  failed: number;
  /** Recorded rows by status (what the report's results files will hold). */
  rows: { succeeded: number; failed: number };
  /** Records [0, position) are all recorded: the done units from 0 on, then the first unfinished one's progress. */
  position: number;
  /** The earliest expiry of a live lease, when one is held. */
  nextExpiry?: number;
}
