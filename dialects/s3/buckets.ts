import type { ObjectInfo, ObjectVersionInfo } from "../../src/core/ports.js";
import type { XmlObject } from "../xml/index.js";
import { needs, type Handler, type S3Context } from "./context.js";
import { S3Error } from "./errors.js";
import { isoDate, quoted } from "./headers.js";
import { createBucketConfiguration, readDocument, versioningConfiguration } from "./shapes.js";

/** Bucket operations and listings. */

/** S3's rules for a new bucket's name (3-63 lowercase letters, digits, dots and hyphens). */
export function validBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes("..") && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

/** Whether a bucket exists (NoSuchBucket from the store otherwise). */
async function requireBucket(c: S3Context): Promise<void> {
  if (c.objects.bucketInfo) await c.objects.bucketInfo(c.bucket);
  else await c.objects.list({ bucket: c.bucket, maxKeys: 1 });
}

async function exists(c: S3Context): Promise<boolean> {
  try {
    await requireBucket(c);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === "NoSuchBucket") return false;
    throw e;
  }
}

export const listBuckets: Handler = async (c) => {
  const buckets = await needs(c.objects.listBuckets, "list buckets").call(c.objects);
  return {
    xml: {
      root: "ListAllMyBucketsResult",
      value: {
        Owner: { ID: c.owner.id, DisplayName: c.owner.displayName },
        Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: isoDate(b.creationDate), BucketRegion: c.region })) },
      },
    },
  };
};

export const createBucket: Handler = async (c) => {
  if (!validBucketName(c.bucket)) throw new S3Error("InvalidBucketName", "The specified bucket is not valid.", { BucketName: c.bucket.slice(0, 255) });
  if (c.request.body.byteLength > 0) readDocument(c.request.body, "CreateBucketConfiguration", createBucketConfiguration);
  if (await exists(c)) {
    throw new S3Error("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", { BucketName: c.bucket });
  }
  const objectLock = (c.request.headers.get("x-amz-bucket-object-lock-enabled") ?? "").toLowerCase() === "true";
  await needs(c.objects.createBucket, "create buckets").call(c.objects, c.bucket, { objectLock, versioning: objectLock });
  return { headers: { location: `/${c.bucket}` } };
};

export const headBucket: Handler = async (c) => {
  await requireBucket(c);
  return { headers: { "x-amz-bucket-region": c.region } };
};

export const deleteBucket: Handler = async (c) => {
  await needs(c.objects.deleteBucket, "delete buckets").call(c.objects, c.bucket);
  return { status: 204 };
};

export const getBucketVersioning: Handler = async (c) => {
  const info = await needs(c.objects.bucketInfo, "describe buckets").call(c.objects, c.bucket);
  return { xml: { root: "VersioningConfiguration", value: { Status: info.versioning } } };
};

export const putBucketVersioning: Handler = async (c) => {
  const doc = readDocument(c.request.body, "VersioningConfiguration", versioningConfiguration);
  if (doc.Status !== undefined) await needs(c.objects.putBucketVersioning, "change versioning").call(c.objects, c.bucket, doc.Status === "Enabled");
  return {};
};

export const getBucketLocation: Handler = async (c) => {
  await requireBucket(c);
  // us-east-1 is the empty constraint, as S3 answers it.
  return { xml: { root: "LocationConstraint", value: c.region === "us-east-1" ? {} : { "#": c.region } } };
};

export const getObjectLockConfiguration: Handler = async (c) => {
  const info = await needs(c.objects.bucketInfo, "describe buckets").call(c.objects, c.bucket);
  if (!info.objectLock) throw new S3Error("ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket", { BucketName: c.bucket });
  return { xml: { root: "ObjectLockConfiguration", value: { ObjectLockEnabled: "Enabled" } } };
};

export const getBucketReplication: Handler = async (c) => {
  const target = c.objects.replicationTarget ? await c.objects.replicationTarget(c.bucket) : (await requireBucket(c), undefined);
  if (target === undefined) throw new S3Error("ReplicationConfigurationNotFoundError", "The replication configuration was not found", { BucketName: c.bucket });
  return {
    xml: {
      root: "ReplicationConfiguration",
      value: { Role: "", Rule: { ID: "batchplane", Priority: 1, Status: "Enabled", Destination: { Bucket: `arn:aws:s3:::${target}` } } },
    },
  };
};

// ------------------------------------------------------------------ listings

/** Sorts after every key that starts with a prefix: how a listing skips a common prefix. */
const PAST = "\u{10FFFF}";
const MAX_KEYS = 1000;

interface Listed<T> {
  items: T[];
  prefixes: string[];
  truncated: boolean;
  /** Where the next page starts (exclusive). */
  next?: string;
}

function maxKeysOf(c: S3Context): number {
  const text = c.query.get("max-keys");
  if (text === null) return MAX_KEYS;
  if (!/^\d{1,10}$/.test(text)) throw new S3Error("InvalidArgument", "Provided max-keys not an integer or within integer range", { ArgumentName: "max-keys", ArgumentValue: text.slice(0, 64) });
  return Math.min(Number(text), MAX_KEYS);
}

/**
 * One page of keys and common prefixes after `after`: the store is read from `startAfter` on,
 * and a common prefix is skipped past in one step rather than read through.
 */
async function listPage<T extends { key: string }>(
  c: S3Context,
  read: (startAfter: string | undefined) => Promise<{ items: T[]; more: boolean }>,
  after: string | undefined,
  maxKeys: number,
): Promise<Listed<T>> {
  const prefix = c.query.get("prefix") ?? "";
  const delimiter = c.query.get("delimiter") ?? "";
  const out: Listed<T> = { items: [], prefixes: [], truncated: false };
  // A marker that is a common prefix (ListObjects' NextMarker) continues past the whole prefix.
  let position = after !== undefined && delimiter !== "" && after.startsWith(prefix) && after.endsWith(delimiter) ? after + PAST : after;
  let count = 0;
  let lastKey: string | undefined;
  for (;;) {
    const page = await read(position);
    let skipped = false;
    for (const item of page.items) {
      if (!item.key.startsWith(prefix)) continue;
      const rest = item.key.slice(prefix.length);
      const cut = delimiter === "" ? -1 : rest.indexOf(delimiter);
      const common = cut < 0 ? undefined : prefix + rest.slice(0, cut + delimiter.length);
      if (common !== undefined && common === out.prefixes[out.prefixes.length - 1]) continue;
      if (item.key === lastKey) {
        out.items.push(item); // another version of the key just listed
        continue;
      }
      if (count === maxKeys) {
        out.truncated = true;
        return out;
      }
      count++;
      if (common !== undefined) {
        out.prefixes.push(common);
        position = out.next = common + PAST;
        skipped = true;
        break;
      }
      out.items.push(item);
      lastKey = item.key;
      position = out.next = item.key;
    }
    if (!skipped && !page.more) return out;
  }
}

function encoder(c: S3Context): (s: string | undefined) => string | undefined {
  const url = c.query.get("encoding-type");
  if (url !== null && url !== "url") throw new S3Error("InvalidArgument", "Invalid Encoding Method specified in Request", { ArgumentName: "encoding-type" });
  return url === null ? (s) => s : (s) => (s === undefined ? undefined : encodeURIComponent(s).replace(/%2F/g, "/"));
}

const readObjects = (c: S3Context) => async (startAfter: string | undefined) => {
  const page = await c.objects.list({ bucket: c.bucket, prefix: c.query.get("prefix") ?? undefined, startAfter, maxKeys: MAX_KEYS });
  return { items: page.objects, more: page.continuationToken !== undefined };
};

function contents(o: ObjectInfo, enc: (s: string) => string | undefined, owner?: S3Context["owner"]): XmlObject {
  return {
    Key: enc(o.key),
    LastModified: isoDate(o.lastModified),
    ETag: quoted(o.etag),
    Size: o.size,
    StorageClass: o.storageClass,
    ...(owner ? { Owner: { ID: owner.id, DisplayName: owner.displayName } } : {}),
    ...(o.restore ? { RestoreStatus: { IsRestoreInProgress: o.restore.ongoing, RestoreExpiryDate: o.restore.expiryDate === undefined ? undefined : isoDate(o.restore.expiryDate) } } : {}),
  };
}

const token = (position: string) => Buffer.from(position, "utf8").toString("base64url");

function fromToken(text: string): string {
  const position = Buffer.from(text, "base64url").toString("utf8");
  if (text === "" || token(position) !== text) throw new S3Error("InvalidArgument", "The continuation token provided is incorrect", { ArgumentName: "continuation-token" });
  return position;
}

export const listObjectsV2: Handler = async (c) => {
  const enc = encoder(c);
  const maxKeys = maxKeysOf(c);
  const continuation = c.query.get("continuation-token");
  const startAfter = c.query.get("start-after") ?? undefined;
  const after = continuation !== null ? fromToken(continuation) : startAfter;
  const page = maxKeys === 0 ? { items: [], prefixes: [], truncated: false } : await listPage(c, readObjects(c), after, maxKeys);
  const fetchOwner = c.query.get("fetch-owner") === "true";
  return {
    xml: {
      root: "ListBucketResult",
      value: {
        Name: c.bucket,
        Prefix: enc(c.query.get("prefix") ?? "") ?? "",
        Delimiter: enc(c.query.get("delimiter") ?? undefined),
        MaxKeys: maxKeys,
        EncodingType: c.query.get("encoding-type") ?? undefined,
        IsTruncated: page.truncated,
        ContinuationToken: continuation ?? undefined,
        NextContinuationToken: page.truncated && page.next !== undefined ? token(page.next) : undefined,
        StartAfter: enc(startAfter),
        KeyCount: page.items.length + page.prefixes.length,
        Contents: page.items.map((o) => contents(o, enc as (s: string) => string, fetchOwner ? c.owner : undefined)),
        CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
      },
    },
  };
};

export const listObjects: Handler = async (c) => {
  const enc = encoder(c);
  const maxKeys = maxKeysOf(c);
  const marker = c.query.get("marker") ?? undefined;
  const page = maxKeys === 0 ? { items: [], prefixes: [], truncated: false } : await listPage(c, readObjects(c), marker, maxKeys);
  const last = page.prefixes.length > 0 && (page.items.length === 0 || page.prefixes[page.prefixes.length - 1]! > page.items[page.items.length - 1]!.key) ? page.prefixes[page.prefixes.length - 1] : page.items[page.items.length - 1]?.key;
  return {
    xml: {
      root: "ListBucketResult",
      value: {
        Name: c.bucket,
        Prefix: enc(c.query.get("prefix") ?? "") ?? "",
        Marker: enc(marker ?? "") ?? "",
        // S3 gives NextMarker only with a delimiter; without one the client continues from the last key.
        NextMarker: page.truncated && c.query.get("delimiter") ? enc(last) : undefined,
        MaxKeys: maxKeys,
        Delimiter: enc(c.query.get("delimiter") ?? undefined),
        EncodingType: c.query.get("encoding-type") ?? undefined,
        IsTruncated: page.truncated,
        Contents: page.items.map((o) => contents(o, enc as (s: string) => string, c.owner)),
        CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
      },
    },
  };
};

/**
 * ListObjectVersions. Pages end after a whole key (the store's pages never split a key), so the
 * key marker alone says where the next page starts. A store without `listVersions` lists its
 * current objects, each as the latest version.
 */
export const listObjectVersions: Handler = async (c) => {
  const enc = encoder(c);
  const maxKeys = maxKeysOf(c);
  const keyMarker = c.query.get("key-marker") ?? undefined;
  const prefix = c.query.get("prefix") ?? undefined;
  const read = async (startAfter: string | undefined) => {
    if (c.objects.listVersions) {
      const page = await c.objects.listVersions({ bucket: c.bucket, prefix, startAfter, maxKeys: MAX_KEYS });
      return { items: page.versions, more: page.continuationToken !== undefined };
    }
    const page = await c.objects.list({ bucket: c.bucket, prefix, startAfter, maxKeys: MAX_KEYS });
    const items: ObjectVersionInfo[] = page.objects.map((o) => ({ ...o, versionId: o.versionId ?? "null", isLatest: true, deleteMarker: false }));
    return { items, more: page.continuationToken !== undefined };
  };
  const page = maxKeys === 0 ? { items: [], prefixes: [], truncated: false, next: undefined } : await listPage(c, read, keyMarker, maxKeys);
  const owner = { ID: c.owner.id, DisplayName: c.owner.displayName };
  const entry = (v: ObjectVersionInfo) => ({ Key: enc(v.key), VersionId: v.versionId, IsLatest: v.isLatest, LastModified: isoDate(v.lastModified) });
  const versions = page.items.filter((v) => !v.deleteMarker);
  const markers = page.items.filter((v) => v.deleteMarker);
  const lastKey = page.items[page.items.length - 1]?.key;
  return {
    xml: {
      root: "ListVersionsResult",
      value: {
        IsTruncated: page.truncated,
        KeyMarker: enc(keyMarker ?? "") ?? "",
        VersionIdMarker: c.query.get("version-id-marker") ?? "",
        NextKeyMarker: page.truncated ? enc(page.next?.endsWith(PAST) ? page.prefixes[page.prefixes.length - 1] : lastKey) : undefined,
        Version: versions.map((v) => ({ ...entry(v), ETag: quoted(v.etag), Size: v.size, StorageClass: v.storageClass, Owner: owner })),
        DeleteMarker: markers.map((v) => ({ Owner: owner, ...entry(v) })),
        Name: c.bucket,
        Prefix: enc(prefix ?? "") ?? "",
        Delimiter: enc(c.query.get("delimiter") ?? undefined),
        MaxKeys: maxKeys,
        EncodingType: c.query.get("encoding-type") ?? undefined,
        CommonPrefixes: page.prefixes.map((p) => ({ Prefix: enc(p) })),
      },
    },
  };
};
