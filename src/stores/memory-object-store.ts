import { createHash } from "node:crypto";
import { systemClock } from "../core/clock.js";
import type { Tag } from "../core/model/common.js";
import type {
  Clock,
  CopyObjectRequest,
  BucketInfo,
  ListObjectsPage,
  ListObjectsRequest,
  ListVersionsPage,
  ObjectAcl,
  ObjectInfo,
  ObjectRef,
  ObjectStore,
  PutObjectRequest,
  RestoreRequest,
} from "../core/ports.js";

import { bodyChunks, chunked } from "../core/body.js";
import { KeyIndex } from "./key-index.js";
import { objectErrors as E } from "./object-rules.js";
import {
  checkTags,
  compareKeys,
  decodeContinuationToken,
  DELETE_MARKER_FIELDS,
  encodeContinuationToken,
  latestVersion,
  NULL_VERSION,
  objectInfo,
  pageSize,
  pickVersion,
  planCopy,
  putFields,
  requireDeletable,
  requireObjectLock,
  requireReadable,
  restoreAfter,
  retentionAfter,
  withVersion,
  writeResult,
  type Retention,
  type VersionFields,
  type VersionMeta,
  versionsPage,
} from "./object-versions.js";

interface Version extends VersionMeta {
  /** The bytes, as the chunks they were written in (never changed once stored; a copy shares them). */
  data: readonly Uint8Array[];
}

interface Bucket {
  versioning: boolean;
  /** Versioning was on once and is now off (S3's "Suspended"). */
  suspended?: boolean;
  creationDate: number;
  objectLock: boolean;
  replicationTarget?: string;
  /** Versions of each key, oldest first. */
  objects: KeyIndex<Version[]>;
}

export interface MemoryObjectStoreOptions {
  clock?: Clock;
  /** Buckets that exist from the start (unversioned). */
  buckets?: string[];
}

export interface BucketOptions {
  versioning?: boolean;
  objectLock?: boolean;
  replicationTarget?: string;
}

/**
 * Objects in memory, behaving as S3 does where the engine can tell: ETag is the hex MD5 of the
 * content, versioning is optional per bucket, archived objects must be restored before they can
 * be read, an object holds at most 10 tags, object-lock settings need an object-lock bucket.
 */
export class MemoryObjectStore implements ObjectStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly clock: Clock;
  private versionSeq = 0;
  private lastTags: Tag[] | undefined;

  constructor(options: MemoryObjectStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    for (const b of options.buckets ?? []) this.buckets.set(b, newBucket({}, this.clock.now()));
  }

  async createBucket(bucket: string, options: BucketOptions = {}): Promise<void> {
    const existing = this.buckets.get(bucket);
    if (existing) {
      existing.versioning ||= options.versioning ?? false;
      existing.objectLock ||= options.objectLock ?? false;
      if (options.replicationTarget !== undefined) existing.replicationTarget = options.replicationTarget;
      return;
    }
    this.buckets.set(bucket, newBucket(options, this.clock.now()));
  }

  async listBuckets(): Promise<BucketInfo[]> {
    return [...this.buckets.keys()].sort().map((name) => this.info(name));
  }

  async bucketInfo(bucket: string): Promise<BucketInfo> {
    return this.info(bucket);
  }

  async deleteBucket(bucket: string): Promise<void> {
    if (this.bucket(bucket).objects.size > 0) throw E.bucketNotEmpty(bucket);
    this.buckets.delete(bucket);
  }

  async putBucketVersioning(bucket: string, enabled: boolean): Promise<void> {
    const b = this.bucket(bucket);
    if (!enabled && b.objectLock) throw E.lockedVersioning(bucket);
    if (!enabled && !b.versioning && !b.suspended) return;
    b.suspended = !enabled;
    b.versioning = enabled;
  }

  async listVersions(req: ListObjectsRequest): Promise<ListVersionsPage> {
    const bucket = this.bucket(req.bucket);
    return versionsPage(req, [...bucket.objects.keys()], (key) => bucket.objects.get(key) ?? []);
  }

  async replicationTarget(bucket: string): Promise<string | undefined> {
    return this.bucket(bucket).replicationTarget;
  }

  async head(ref: ObjectRef): Promise<ObjectInfo> {
    return objectInfo(ref.bucket, ref.key, this.version(ref));
  }

  async get(ref: ObjectRef): Promise<{ info: ObjectInfo; body: AsyncIterable<Uint8Array> }> {
    const v = this.version(ref);
    requireReadable(v, this.clock.now());
    return { info: objectInfo(ref.bucket, ref.key, v), body: chunked(v.data) };
  }

  async put(req: PutObjectRequest): Promise<{ etag: string; versionId?: string }> {
    const bucket = this.bucket(req.bucket);
    const fields = putFields(req);
    const chunks = await bodyChunks(req.body);
    const data = chunks.length === 0 ? NO_BYTES : chunks;
    return writeResult(this.store(bucket, req.key, fields, data));
  }

  async list(req: ListObjectsRequest): Promise<ListObjectsPage> {
    const bucket = this.bucket(req.bucket);
    const prefix = req.prefix ?? "";
    const max = pageSize(req.maxKeys);
    const start = req.continuationToken === undefined ? req.startAfter : decodeContinuationToken(req.continuationToken);
    const keys = [...bucket.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (start === undefined || compareKeys(k, start) > 0))
      .sort(compareKeys);
    const objects: ObjectInfo[] = [];
    let last: string | undefined;
    for (const key of keys) {
      const v = latestVersion(bucket.objects.get(key));
      if (!v || v.deleteMarker) continue;
      if (objects.length === max) return { objects, continuationToken: encodeContinuationToken(last!) };
      objects.push(objectInfo(req.bucket, key, v));
      last = key;
    }
    return { objects };
  }

  async delete(ref: ObjectRef): Promise<{ versionId?: string; deleteMarker?: boolean }> {
    const bucket = this.bucket(ref.bucket);
    const versions = bucket.objects.get(ref.key);
    if (ref.versionId !== undefined) {
      const i = versions?.findIndex((v) => v.versionId === ref.versionId) ?? -1;
      // S3 answers a delete of a version that does not exist with success, not NoSuchVersion.
      if (i < 0 || !versions) return { versionId: ref.versionId };
      requireDeletable(versions[i]!, this.clock.now());
      versions.splice(i, 1);
      if (versions.length === 0) bucket.objects.delete(ref.key);
      return { versionId: ref.versionId };
    }
    if (!bucket.versioning) {
      const current = latestVersion(versions);
      if (current) requireDeletable(current, this.clock.now());
      bucket.objects.delete(ref.key);
      return {};
    }
    const marker = this.store(bucket, ref.key, DELETE_MARKER_FIELDS, NO_BYTES, true);
    return { versionId: marker.versionId, deleteMarker: true };
  }

  async copy(req: CopyObjectRequest): Promise<{ etag: string; versionId?: string }> {
    const versions = this.bucket(req.source.bucket).objects.get(req.source.key);
    const source = pickVersion(versions, req.source);
    const target = this.bucket(req.target.bucket);
    const fields = planCopy(req, source, source === latestVersion(versions), target.objectLock, this.clock.now());
    return writeResult(this.store(target, req.target.key, fields, source.data));
  }

  async getTagging(ref: ObjectRef): Promise<Tag[]> {
    return this.version(ref).tags.map((t) => ({ ...t }));
  }

  /**
   * Not an async function: a tagging job's hot path, where the async function's own state and
   * promise were a third of what a task allocated. It answers one shared settled promise, and a
   * failure as a rejection, never a throw, as an async function would.
   */
  putTagging(ref: ObjectRef, tags: Tag[]): Promise<void> {
    try {
      const stored = this.tagSet(tags);
      this.version(ref).tags = stored;
      return DONE;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async deleteTagging(ref: ObjectRef): Promise<void> {
    this.version(ref).tags = [];
  }

  async getAcl(ref: ObjectRef): Promise<ObjectAcl> {
    return structuredClone(this.version(ref).acl);
  }

  async putAcl(ref: ObjectRef, acl: ObjectAcl): Promise<void> {
    this.version(ref).acl = structuredClone(acl);
  }

  async restore(ref: ObjectRef, req: RestoreRequest): Promise<void> {
    const v = this.version(ref);
    v.restore = restoreAfter(v, req, this.clock.now());
  }

  async putLegalHold(ref: ObjectRef, status: "ON" | "OFF"): Promise<void> {
    requireObjectLock(this.bucket(ref.bucket).objectLock, ref.bucket);
    this.version(ref).legalHold = status;
  }

  async putRetention(ref: ObjectRef, retention: Retention): Promise<void> {
    requireObjectLock(this.bucket(ref.bucket).objectLock, ref.bucket);
    const v = this.version(ref);
    const next = retentionAfter(v, retention, this.clock.now());
    if (next) v.retention = next;
    else delete v.retention;
  }

  // ------------------------------------------------------------------ internals

  private info(name: string): BucketInfo {
    const b = this.bucket(name);
    const versioning = b.versioning ? "Enabled" : b.suspended ? "Suspended" : undefined;
    return { name, creationDate: b.creationDate, objectLock: b.objectLock, ...(versioning ? { versioning } : {}) };
  }

  private bucket(name: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw E.noSuchBucket(name);
    return b;
  }

  /**
   * A stored copy of `tags`, checked. Stored tag sets are never changed in place (reads copy them,
   * copies share them), so objects given equal tags share one copy: a tagging job's million
   * objects hold one tag set, not a million.
   */
  private tagSet(tags: Tag[]): Tag[] {
    const last = this.lastTags;
    if (last !== undefined && last.length === tags.length) {
      let same = true;
      for (let i = 0; i < tags.length && same; i++) same = tags[i]!.key === last[i]!.key && tags[i]!.value === last[i]!.value;
      if (same) return last;
    }
    checkTags(tags);
    return (this.lastTags = tags.map((t) => ({ ...t })));
  }

  private version(ref: ObjectRef): Version {
    return pickVersion(this.bucket(ref.bucket).objects.get(ref.key), ref);
  }

  private store(bucket: Bucket, key: string, fields: VersionFields, data: readonly Uint8Array[], deleteMarker = false): Version {
    const versionId = bucket.versioning ? `v${(++this.versionSeq).toString().padStart(12, "0")}` : NULL_VERSION;
    const v = new StoredVersion(fields, versionId, deleteMarker, data, this.clock.now());
    bucket.objects.set(key, withVersion(bucket.objects.get(key), v, bucket.versioning));
    return v;
  }
}

const NO_BYTES: readonly Uint8Array[] = Object.freeze([]);
/** What a write that finished at once answers: one promise, already settled, shared by every call. */
const DONE: Promise<void> = Promise.resolve();

/**
 * A version as this store keeps it. Its ETag, the MD5 of its bytes, is computed when first asked
 * for: most of what a job writes (its report's row parts, its results) is never asked for its ETag,
 * and hashing every write cost a job as much as its tagging calls.
 */
class StoredVersion implements Version {
  declare storageClass: Version["storageClass"];
  declare tags: Tag[];
  declare acl: Version["acl"];
  private md5: string | undefined;
  readonly size: number;

  constructor(
    fields: VersionFields,
    readonly versionId: string,
    readonly deleteMarker: boolean,
    readonly data: readonly Uint8Array[],
    readonly lastModified: number,
  ) {
    Object.assign(this, fields);
    let size = 0;
    for (const part of data) size += part.byteLength;
    this.size = size;
  }

  get etag(): string {
    if (this.md5 === undefined) {
      const hash = createHash("md5");
      for (const part of this.data) hash.update(part);
      this.md5 = hash.digest("hex");
    }
    return this.md5;
  }
}

function newBucket(options: BucketOptions, creationDate: number): Bucket {
  const b: Bucket = {
    creationDate,
    versioning: options.versioning ?? false,
    objectLock: options.objectLock ?? false,
    objects: new KeyIndex(),
  };
  if (options.replicationTarget !== undefined) b.replicationTarget = options.replicationTarget;
  // Object lock implies versioning, as in S3.
  if (b.objectLock) b.versioning = true;
  return b;
}
