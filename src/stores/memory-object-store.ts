import { createHash } from "node:crypto";
import { systemClock } from "../core/clock.js";
import type { Tag } from "../core/model/common.js";
import type { ObjectMetadata } from "../core/model/operation.js";
import {
  ObjectStoreError,
  type Clock,
  type CopyObjectRequest,
  type ListObjectsPage,
  type ListObjectsRequest,
  type ObjectAcl,
  type ObjectInfo,
  type ObjectRef,
  type ObjectStore,
  type PutObjectRequest,
  type RestoreRequest,
} from "../core/ports.js";

import { bodyToBytes, chunked } from "../core/body.js";
import { ARCHIVED_STORAGE_CLASSES, MAX_OBJECT_TAGS, objectErrors as E } from "./object-rules.js";

interface Version {
  versionId: string;
  deleteMarker: boolean;
  data: Uint8Array;
  etag: string;
  lastModified: number;
  storageClass: string;
  contentType?: string;
  metadata?: ObjectMetadata;
  tags: Tag[];
  acl: ObjectAcl;
  restore?: { ongoing: boolean; expiryDate?: number };
  legalHold?: "ON" | "OFF";
  retention?: { mode: "GOVERNANCE" | "COMPLIANCE"; retainUntil: number };
}

interface Bucket {
  versioning: boolean;
  objectLock: boolean;
  replicationTarget?: string;
  /** Versions of each key, oldest first. */
  objects: Map<string, Version[]>;
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

  constructor(options: MemoryObjectStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    for (const b of options.buckets ?? []) this.buckets.set(b, newBucket({}));
  }

  async createBucket(bucket: string, options: BucketOptions = {}): Promise<void> {
    const existing = this.buckets.get(bucket);
    if (existing) {
      existing.versioning ||= options.versioning ?? false;
      existing.objectLock ||= options.objectLock ?? false;
      if (options.replicationTarget !== undefined) existing.replicationTarget = options.replicationTarget;
      return;
    }
    this.buckets.set(bucket, newBucket(options));
  }

  async replicationTarget(bucket: string): Promise<string | undefined> {
    return this.bucket(bucket).replicationTarget;
  }

  async head(ref: ObjectRef): Promise<ObjectInfo> {
    return this.info(ref.bucket, ref.key, this.version(ref));
  }

  async get(ref: ObjectRef): Promise<{ info: ObjectInfo; body: AsyncIterable<Uint8Array> }> {
    const v = this.version(ref);
    this.requireReadable(v);
    return { info: this.info(ref.bucket, ref.key, v), body: chunked(v.data) };
  }

  async put(req: PutObjectRequest): Promise<{ etag: string; versionId?: string }> {
    const bucket = this.bucket(req.bucket);
    if (req.tags) checkTags(req.tags);
    const data = await bodyToBytes(req.body);
    const v = this.store(bucket, req.key, {
      data,
      storageClass: req.storageClass ?? "STANDARD",
      contentType: req.contentType,
      metadata: req.metadata,
      tags: req.tags ?? [],
      acl: { canned: "private" },
    });
    return this.written(bucket, v);
  }

  async list(req: ListObjectsRequest): Promise<ListObjectsPage> {
    const bucket = this.bucket(req.bucket);
    const prefix = req.prefix ?? "";
    const max = Math.max(1, Math.min(req.maxKeys ?? 1000, 1000));
    const start = req.continuationToken === undefined ? undefined : decodeToken(req.continuationToken);
    const keys = [...bucket.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (start === undefined || k > start))
      .sort();
    const objects: ObjectInfo[] = [];
    let last: string | undefined;
    for (const key of keys) {
      const v = latest(bucket.objects.get(key)!);
      if (!v || v.deleteMarker) continue;
      if (objects.length === max) return { objects, continuationToken: encodeToken(last!) };
      objects.push(this.info(req.bucket, key, v));
      last = key;
    }
    return { objects };
  }

  async delete(ref: ObjectRef): Promise<{ versionId?: string; deleteMarker?: boolean }> {
    const bucket = this.bucket(ref.bucket);
    const versions = bucket.objects.get(ref.key);
    if (ref.versionId !== undefined) {
      const i = versions?.findIndex((v) => v.versionId === ref.versionId) ?? -1;
      if (i < 0 || !versions) throw E.noSuchVersion(ref);
      this.requireDeletable(versions[i]!);
      versions.splice(i, 1);
      if (versions.length === 0) bucket.objects.delete(ref.key);
      return { versionId: ref.versionId };
    }
    if (!bucket.versioning) {
      const current = versions && latest(versions);
      if (current) this.requireDeletable(current);
      bucket.objects.delete(ref.key);
      return {};
    }
    const marker = this.store(bucket, ref.key, { data: new Uint8Array(), storageClass: "STANDARD", tags: [], acl: {} }, true);
    return { versionId: marker.versionId, deleteMarker: true };
  }

  async copy(req: CopyObjectRequest): Promise<{ etag: string; versionId?: string }> {
    const source = this.version(req.source);
    this.requireReadable(source);
    const target = this.bucket(req.target.bucket);
    if (req.modifiedSince !== undefined && !(source.lastModified > req.modifiedSince)) throw E.preconditionFailed("modified since");
    if (req.unmodifiedSince !== undefined && source.lastModified > req.unmodifiedSince) throw E.preconditionFailed("unmodified since");
    const sameObject = req.source.bucket === req.target.bucket && req.source.key === req.target.key;
    const changes =
      (req.metadataDirective !== undefined && req.metadataDirective !== "COPY") ||
      (req.storageClass !== undefined && req.storageClass !== source.storageClass) ||
      req.encryption !== undefined;
    if (sameObject && !changes) throw E.copyToItself();
    if (req.tags) checkTags(req.tags);
    if ((req.legalHold || req.retention) && !target.objectLock) throw E.noObjectLock(req.target.bucket);

    const metadata =
      req.metadataDirective === "REPLACE"
        ? req.metadata
        : req.metadataDirective === "ADD"
          ? mergeMetadata(source.metadata, req.metadata)
          : source.metadata;
    const tags =
      req.taggingDirective === "REPLACE"
        ? (req.tags ?? [])
        : req.taggingDirective === "ADD"
          ? mergeTags(source.tags, req.tags ?? [])
          : source.tags;
    if (tags.length > MAX_OBJECT_TAGS) throw E.tooManyTags();
    const v = this.store(target, req.target.key, {
      data: source.data,
      storageClass: req.storageClass ?? source.storageClass,
      contentType: req.metadataDirective === "REPLACE" ? req.metadata?.contentType : source.contentType,
      metadata,
      tags,
      acl: req.acl ?? { canned: "private" },
      legalHold: req.legalHold,
      retention: req.retention,
    });
    return this.written(target, v);
  }

  async getTagging(ref: ObjectRef): Promise<Tag[]> {
    return this.version(ref).tags.map((t) => ({ ...t }));
  }

  async putTagging(ref: ObjectRef, tags: Tag[]): Promise<void> {
    checkTags(tags);
    this.version(ref).tags = tags.map((t) => ({ ...t }));
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
    if (!ARCHIVED_STORAGE_CLASSES.has(v.storageClass)) throw E.notArchived(v.storageClass);
    if (v.restore?.ongoing) throw E.restoreInProgress();
    // Restores complete at once here; a restored copy's expiry is reset by a new request, as in S3.
    const days = req.days ?? 1;
    v.restore = { ongoing: false, expiryDate: this.clock.now() + days * 86_400_000 };
  }

  async putLegalHold(ref: ObjectRef, status: "ON" | "OFF"): Promise<void> {
    const bucket = this.bucket(ref.bucket);
    if (!bucket.objectLock) throw E.noObjectLock(ref.bucket);
    this.version(ref).legalHold = status;
  }

  async putRetention(
    ref: ObjectRef,
    retention: { mode?: "GOVERNANCE" | "COMPLIANCE"; retainUntil?: number; bypassGovernance?: boolean },
  ): Promise<void> {
    const bucket = this.bucket(ref.bucket);
    if (!bucket.objectLock) throw E.noObjectLock(ref.bucket);
    const v = this.version(ref);
    const now = this.clock.now();
    const current = v.retention && v.retention.retainUntil > now ? v.retention : undefined;
    const shortens =
      current !== undefined &&
      (retention.retainUntil === undefined || retention.retainUntil < current.retainUntil || retention.mode !== current.mode);
    if (shortens && (current.mode === "COMPLIANCE" || !retention.bypassGovernance)) throw E.retentionLocked(current.mode);
    if (retention.mode === undefined && retention.retainUntil === undefined) {
      delete v.retention;
      return;
    }
    if (retention.mode === undefined || retention.retainUntil === undefined) throw E.badRetention();
    if (retention.retainUntil <= now) throw E.retentionInPast();
    v.retention = { mode: retention.mode, retainUntil: retention.retainUntil };
  }

  // ------------------------------------------------------------------ internals

  private bucket(name: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw E.noSuchBucket(name);
    return b;
  }

  private version(ref: ObjectRef): Version {
    const versions = this.bucket(ref.bucket).objects.get(ref.key);
    if (ref.versionId !== undefined && ref.versionId !== "null") {
      const v = versions?.find((x) => x.versionId === ref.versionId);
      if (!v) throw E.noSuchVersion(ref);
      if (v.deleteMarker) throw E.methodNotAllowed();
      return v;
    }
    const v = versions && (ref.versionId === "null" ? versions.find((x) => x.versionId === "null") : latest(versions));
    if (!v || v.deleteMarker) throw E.noSuchKey(ref);
    return v;
  }

  private requireReadable(v: Version): void {
    const restoredUntil = v.restore && !v.restore.ongoing ? (v.restore.expiryDate ?? 0) : 0;
    if (ARCHIVED_STORAGE_CLASSES.has(v.storageClass) && restoredUntil <= this.clock.now()) {
      throw E.archived(v.storageClass);
    }
  }

  private requireDeletable(v: Version): void {
    if (v.legalHold === "ON") throw E.locked("a legal hold");
    if (v.retention && v.retention.retainUntil > this.clock.now()) throw E.locked(`${v.retention.mode} retention`);
  }

  private store(
    bucket: Bucket,
    key: string,
    fields: Omit<Version, "versionId" | "deleteMarker" | "etag" | "lastModified">,
    deleteMarker = false,
  ): Version {
    const versionId = bucket.versioning ? `v${(++this.versionSeq).toString().padStart(12, "0")}` : "null";
    const v: Version = {
      ...fields,
      versionId,
      deleteMarker,
      etag: createHash("md5").update(fields.data).digest("hex"),
      lastModified: this.clock.now(),
    };
    for (const k of Object.keys(v) as (keyof Version)[]) if (v[k] === undefined) delete v[k];
    const versions = bucket.objects.get(key) ?? [];
    const kept = bucket.versioning ? versions : versions.filter((x) => x.versionId !== "null");
    kept.push(v);
    bucket.objects.set(key, kept);
    return v;
  }

  private written(bucket: Bucket, v: Version): { etag: string; versionId?: string } {
    return bucket.versioning ? { etag: v.etag, versionId: v.versionId } : { etag: v.etag };
  }

  private info(bucket: string, key: string, v: Version): ObjectInfo {
    const info: ObjectInfo = {
      bucket,
      key,
      etag: v.etag,
      size: v.data.byteLength,
      lastModified: v.lastModified,
      storageClass: v.storageClass,
    };
    if (v.versionId !== "null") info.versionId = v.versionId;
    if (v.contentType !== undefined) info.contentType = v.contentType;
    if (v.metadata !== undefined) info.metadata = structuredClone(v.metadata);
    if (v.restore !== undefined) info.restore = { ...v.restore };
    if (v.legalHold !== undefined) info.legalHold = v.legalHold;
    if (v.retention !== undefined) info.retention = { ...v.retention };
    return info;
  }
}

function newBucket(options: BucketOptions): Bucket {
  const b: Bucket = {
    versioning: options.versioning ?? false,
    objectLock: options.objectLock ?? false,
    objects: new Map(),
  };
  if (options.replicationTarget !== undefined) b.replicationTarget = options.replicationTarget;
  // Object lock implies versioning, as in S3.
  if (b.objectLock) b.versioning = true;
  return b;
}

function latest(versions: Version[]): Version | undefined {
  return versions[versions.length - 1];
}

function checkTags(tags: Tag[]): void {
  if (tags.length > MAX_OBJECT_TAGS) throw E.tooManyTags();
  if (new Set(tags.map((t) => t.key)).size !== tags.length) throw E.duplicateTagKeys();
}

function mergeTags(base: Tag[], extra: Tag[]): Tag[] {
  const merged = new Map(base.map((t) => [t.key, t.value]));
  for (const t of extra) merged.set(t.key, t.value);
  return [...merged].map(([key, value]) => ({ key, value }));
}

function mergeMetadata(base: ObjectMetadata | undefined, extra: ObjectMetadata | undefined): ObjectMetadata | undefined {
  if (!extra) return base;
  return {
    ...base,
    ...extra,
    userMetadata: { ...base?.userMetadata, ...extra.userMetadata },
  };
}

const encodeToken = (key: string) => Buffer.from(key, "utf8").toString("base64url");
function decodeToken(token: string): string {
  const key = Buffer.from(token, "base64url").toString("utf8");
  if (encodeToken(key) !== token) throw new ObjectStoreError("InvalidArgument", 400, "The continuation token provided is incorrect");
  return key;
}
