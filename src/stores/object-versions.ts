import type { Tag } from "../core/model/common.js";
import type { ObjectMetadata } from "../core/model/operation.js";
import {
  ObjectStoreError,
  type CopyObjectRequest,
  type ListObjectsRequest,
  type ListVersionsPage,
  type ObjectVersionInfo,
  type ObjectAcl,
  type ObjectInfo,
  type ObjectRef,
  type PutObjectRequest,
  type RestoreRequest,
} from "../core/ports.js";
import { ARCHIVED_STORAGE_CLASSES, MAX_OBJECT_TAGS, objectErrors as E } from "./object-rules.js";

/**
 * How an S3-like store keeps the versions of one key, without the bytes: the part of the object
 * model the memory and filesystem stores share (so that both answer every request alike).
 */
export interface VersionMeta
  extends Pick<
    ObjectInfo,
    "etag" | "size" | "lastModified" | "storageClass" | "contentType" | "metadata" | "restore" | "legalHold" | "retention"
  > {
  /** "null" for a version written while the bucket kept no versions. */
  versionId: string;
  deleteMarker: boolean;
  tags: Tag[];
  acl: ObjectAcl;
}

/** What a write decides about a new version; the store adds the id, ETag, size and time. */
export type VersionFields = Omit<VersionMeta, "versionId" | "deleteMarker" | "etag" | "size" | "lastModified">;

export type Retention = { mode?: "GOVERNANCE" | "COMPLIANCE"; retainUntil?: number; bypassGovernance?: boolean };

export const NULL_VERSION = "null";

export function latestVersion<V extends VersionMeta>(versions: readonly V[] | undefined): V | undefined {
  return versions?.[versions.length - 1];
}

/** The version a reference names: a given version id, or the latest (a delete marker hides the key). */
export function pickVersion<V extends VersionMeta>(versions: readonly V[] | undefined, ref: ObjectRef): V {
  if (ref.versionId !== undefined && ref.versionId !== NULL_VERSION) {
    const v = versions?.find((x) => x.versionId === ref.versionId);
    if (!v) throw E.noSuchVersion(ref);
    if (v.deleteMarker) throw E.methodNotAllowed();
    return v;
  }
  const v = ref.versionId === NULL_VERSION ? versions?.find((x) => x.versionId === NULL_VERSION) : latestVersion(versions);
  if (!v || v.deleteMarker) throw E.noSuchKey(ref);
  return v;
}

/** Appends a new version; without versioning it replaces the "null" version, as S3 does. */
export function withVersion<V extends VersionMeta>(versions: readonly V[] | undefined, v: V, versioning: boolean): V[] {
  const kept = versioning ? (versions ?? []) : (versions ?? []).filter((x) => x.versionId !== NULL_VERSION);
  // Exact-size arrays: a push onto an empty one reserves room for 16 (120 MB over a million objects).
  return kept.length === 0 ? [v] : kept.concat([v]);
}

export function requireReadable(v: VersionMeta, now: number): void {
  const restoredUntil = v.restore && !v.restore.ongoing ? (v.restore.expiryDate ?? 0) : 0;
  if (ARCHIVED_STORAGE_CLASSES.has(v.storageClass) && restoredUntil <= now) throw E.archived(v.storageClass);
}

export function requireDeletable(v: VersionMeta, now: number): void {
  if (v.legalHold === "ON") throw E.locked("a legal hold");
  if (v.retention && v.retention.retainUntil > now) throw E.locked(`${v.retention.mode} retention`);
}

export function requireObjectLock(objectLock: boolean, bucket: string): void {
  if (!objectLock) throw E.noObjectLock(bucket);
}

export function putFields(req: PutObjectRequest): VersionFields {
  if (req.tags) checkTags(req.tags);
  return dropUndefined({
    storageClass: req.storageClass ?? "STANDARD",
    contentType: req.contentType,
    metadata: req.metadata,
    tags: req.tags ?? NO_TAGS,
    acl: PRIVATE_ACL,
  });
}

/**
 * What a new object holds unless told otherwise, one shared copy each: stored tag sets and ACLs
 * are replaced whole, never changed in place (reads copy them), so a million objects need not
 * hold a million empty arrays and private ACLs.
 */
const NO_TAGS = Object.freeze([]) as unknown as Tag[];
const PRIVATE_ACL: ObjectAcl = Object.freeze({ canned: "private" as const });

/** The delete marker's fields (it has no content, tags or ACL). */
export const DELETE_MARKER_FIELDS: VersionFields = { storageClass: "STANDARD", tags: [], acl: {} };

/**
 * Checks a copy and decides the new version's fields: preconditions on the source, the rule that
 * an object copied onto itself must change, tag limits, object-lock settings, and the directives.
 * `sourceIsLatest`: a previous version copied onto its own key is no copy onto itself but how S3
 * restores a previous version, and needs no change.
 */
export function planCopy(req: CopyObjectRequest, source: VersionMeta, sourceIsLatest: boolean, targetObjectLock: boolean, now: number): VersionFields {
  requireReadable(source, now);
  if (req.modifiedSince !== undefined && !(source.lastModified > req.modifiedSince)) throw E.preconditionFailed("modified since");
  if (req.unmodifiedSince !== undefined && source.lastModified > req.unmodifiedSince) throw E.preconditionFailed("unmodified since");
  const sameObject = req.source.bucket === req.target.bucket && req.source.key === req.target.key && sourceIsLatest;
  const changes =
    (req.metadataDirective !== undefined && req.metadataDirective !== "COPY") ||
    (req.storageClass !== undefined && req.storageClass !== source.storageClass) ||
    req.encryption !== undefined;
  if (sameObject && !changes) throw E.copyToItself();
  if (req.tags) checkTags(req.tags);
  if (req.legalHold || req.retention) requireObjectLock(targetObjectLock, req.target.bucket);

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
  const contentType =
    req.metadataDirective === "REPLACE"
      ? req.metadata?.contentType
      : req.metadataDirective === "ADD"
        ? (req.metadata?.contentType ?? source.contentType)
        : source.contentType;
  return dropUndefined({
    storageClass: req.storageClass ?? source.storageClass,
    contentType,
    metadata: metadata && structuredClone(metadata),
    tags: tags.map((t) => ({ ...t })),
    acl: structuredClone(req.acl ?? { canned: "private" }),
    legalHold: req.legalHold,
    retention: req.retention && { ...req.retention },
  });
}

/** The restore state after a restore request; restores complete at once in the stores written here. */
export function restoreAfter(v: VersionMeta, req: RestoreRequest, now: number): NonNullable<VersionMeta["restore"]> {
  if (!ARCHIVED_STORAGE_CLASSES.has(v.storageClass)) throw E.notArchived(v.storageClass);
  if (v.restore?.ongoing) throw E.restoreInProgress();
  // A restored copy's expiry is reset by a new request, as in S3.
  const days = req.days ?? 1;
  return { ongoing: false, expiryDate: now + days * 86_400_000 };
}

/**
 * The retention after a request (undefined: removed). COMPLIANCE retention can never be shortened
 * or removed before it ends; GOVERNANCE only with bypassGovernance.
 */
export function retentionAfter(v: VersionMeta, retention: Retention, now: number): VersionMeta["retention"] {
  const current = v.retention && v.retention.retainUntil > now ? v.retention : undefined;
  const shortens =
    current !== undefined &&
    (retention.retainUntil === undefined || retention.retainUntil < current.retainUntil || retention.mode !== current.mode);
  if (shortens && (current.mode === "COMPLIANCE" || !retention.bypassGovernance)) throw E.retentionLocked(current.mode);
  if (retention.mode === undefined && retention.retainUntil === undefined) return undefined;
  if (retention.mode === undefined || retention.retainUntil === undefined) throw E.badRetention();
  if (retention.retainUntil <= now) throw E.retentionInPast();
  return { mode: retention.mode, retainUntil: retention.retainUntil };
}

export function objectInfo(bucket: string, key: string, v: VersionMeta): ObjectInfo {
  const info: ObjectInfo = {
    bucket,
    key,
    // Read when asked for: a store may compute it lazily (MemoryObjectStore), and most gets
    // (a job's row parts read back) never ask.
    get etag() {
      return v.etag;
    },
    size: v.size,
    lastModified: v.lastModified,
    storageClass: v.storageClass,
  };
  if (v.versionId !== NULL_VERSION) info.versionId = v.versionId;
  if (v.contentType !== undefined) info.contentType = v.contentType;
  if (v.metadata !== undefined) info.metadata = structuredClone(v.metadata);
  if (v.restore !== undefined) info.restore = { ...v.restore };
  if (v.legalHold !== undefined) info.legalHold = v.legalHold;
  if (v.retention !== undefined) info.retention = { ...v.retention };
  return info;
}

/** What put and copy answer: the version id only where the bucket keeps versions. */
/** What a write answers. The ETag is read from the version when asked for (a store may compute it lazily). */
export function writeResult(v: VersionMeta): { etag: string; versionId?: string } {
  if (v.versionId === NULL_VERSION) {
    return {
      get etag() {
        return v.etag;
      },
    };
  }
  return {
    get etag() {
      return v.etag;
    },
    versionId: v.versionId,
  };
}

export function checkTags(tags: readonly Tag[]): void {
  if (tags.length > MAX_OBJECT_TAGS) throw E.tooManyTags();
  if (new Set(tags.map((t) => t.key)).size !== tags.length) throw E.duplicateTagKeys();
}

export function mergeTags(base: readonly Tag[], extra: readonly Tag[]): Tag[] {
  const merged = new Map(base.map((t) => [t.key, t.value]));
  for (const t of extra) merged.set(t.key, t.value);
  return [...merged].map(([key, value]) => ({ key, value }));
}

export function mergeMetadata(base: ObjectMetadata | undefined, extra: ObjectMetadata | undefined): ObjectMetadata | undefined {
  if (!extra) return base;
  return {
    ...base,
    ...extra,
    userMetadata: { ...base?.userMetadata, ...extra.userMetadata },
  };
}

/**
 * S3 orders keys by their UTF-8 bytes, which is the order of code points, not JavaScript's order
 * of UTF-16 code units: the two differ only where a surrogate (half of a character above U+FFFF)
 * meets a character from U+E000 to U+FFFF, which sorts first by code point. Compared without
 * allocating, since listings sort whole buckets.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** A continuation token: the last key of the page, opaque to the caller. */
export const encodeContinuationToken = (key: string) => Buffer.from(key, "utf8").toString("base64url");

export function decodeContinuationToken(token: string): string {
  const key = Buffer.from(token, "base64url").toString("utf8");
  if (encodeContinuationToken(key) !== token) {
    throw new ObjectStoreError("InvalidArgument", 400, "The continuation token provided is incorrect");
  }
  return key;
}

/** Clamps a requested page size to S3's 1..1000. */
export function pageSize(maxKeys: number | undefined): number {
  return Math.max(1, Math.min(maxKeys ?? 1000, 1000));
}

/** The object without its undefined properties (in place). */
export function dropUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/**
 * One page of a bucket's versions (ListObjectVersions): keys in S3's order, each key's versions
 * newest first, delete markers included. A page ends after a whole key, so it may hold a few more
 * than `maxKeys` versions; the token is the last key, as for `list`.
 */
export function versionsPage<V extends VersionMeta>(req: ListObjectsRequest, keys: readonly string[], versionsOf: (key: string) => readonly V[]): ListVersionsPage {
  const prefix = req.prefix ?? "";
  const max = pageSize(req.maxKeys);
  const start = req.continuationToken === undefined ? req.startAfter : decodeContinuationToken(req.continuationToken);
  const wanted = keys.filter((k) => k.startsWith(prefix) && (start === undefined || compareKeys(k, start) > 0)).sort(compareKeys);
  const versions: ObjectVersionInfo[] = [];
  for (let i = 0; i < wanted.length; i++) {
    const key = wanted[i]!;
    const all = versionsOf(key);
    for (let j = all.length - 1; j >= 0; j--) {
      const v = all[j]!;
      versions.push({ ...objectInfo(req.bucket, key, v), versionId: v.versionId, isLatest: j === all.length - 1, deleteMarker: v.deleteMarker });
    }
    if (versions.length >= max && i < wanted.length - 1) return { versions, continuationToken: encodeContinuationToken(key) };
  }
  return { versions };
}
