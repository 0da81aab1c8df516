import { createHash } from "node:crypto";
import { join, sep } from "node:path";
import { MAX_KEY_BYTES, objectErrors as E } from "../object-rules.js";

/**
 * Where the filesystem object store keeps what, under its data directory:
 *
 *   <dir>/<bucket>/<key>                      the current version of each key, as a plain file
 *   <dir>/.batchplane/buckets/<bucket>.json   a bucket's settings (versioning, object lock)
 *   <dir>/.batchplane/objects/<bucket>/<hh>/<sha256(key)>.json
 *                                             what a file cannot hold: the key's versions with
 *                                             their tags, ACL, storage class, restore state, legal
 *                                             hold and retention (a "sidecar")
 *   <dir>/.batchplane/blobs/<bucket>/<hh>/<sha256(key)>/<versionId>
 *                                             the bytes of every version that is not the plain file:
 *                                             older versions, and the current version of a key a file
 *                                             system cannot hold as a file (see plainPath)
 *   <dir>/.batchplane/spilled/<bucket>.json   the keys whose current version lives under blobs/,
 *                                             so that listings find them
 *   <dir>/.batchplane/tmp/                    files being written, renamed into place when whole
 */
export class ObjectLayout {
  readonly meta: string;
  readonly tmp: string;

  constructor(readonly dir: string) {
    this.meta = join(dir, ".batchplane");
    this.tmp = join(this.meta, "tmp");
  }

  bucketDir(bucket: string): string {
    return join(this.dir, bucket);
  }

  bucketConfig(bucket: string): string {
    return join(this.meta, "buckets", `${bucket}.json`);
  }

  sidecar(bucket: string, key: string): string {
    const h = hashKey(key);
    return join(this.meta, "objects", bucket, h.slice(0, 2), `${h}.json`);
  }

  blobDir(bucket: string, key: string): string {
    const h = hashKey(key);
    return join(this.meta, "blobs", bucket, h.slice(0, 2), h);
  }

  blob(bucket: string, key: string, versionId: string): string {
    return join(this.blobDir(bucket, key), versionId);
  }

  spilledIndex(bucket: string): string {
    return join(this.meta, "spilled", `${bucket}.json`);
  }
}

function hashKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * Bucket names become directory names: a lowercase letter or digit first (so never ".", ".." or
 * the metadata area), then lowercase letters, digits, dots, hyphens and underscores. Lowercase
 * only, as S3, OSS and COS require today, so that no two buckets share a directory where the file
 * system folds case.
 */
export function validBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{0,254}$/.test(name);
}

/**
 * Refuses a key that could reach outside its bucket's directory: a NUL, an absolute path (a
 * leading slash; on Windows also a backslash or a drive letter), or a ".." segment (between
 * slashes or backslashes on every platform, since Windows reads both as separators and a data
 * directory may move). Such keys are refused outright, never resolved.
 */
export function checkKey(key: string): void {
  if (key.length === 0) throw E.unsafeKey(key, "a key cannot be empty");
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) throw E.keyTooLong();
  if (key.includes("\u0000")) throw E.unsafeKey(key, "it contains a NUL character");
  if (key.startsWith("/") || (sep === "\\" && /^(\\|[A-Za-z]:)/.test(key))) throw E.unsafeKey(key, "it is an absolute path");
  if (key.split(/[/\\]/).includes("..")) throw E.unsafeKey(key, 'it has a ".." segment, which would escape the bucket');
}

const WINDOWS_UNSAFE = /[<>:"|?*\\\u0001-\u001f]|[. ]$/;

/**
 * The plain file that holds a key's current version, or undefined where a file system cannot hold
 * the key as a file: a trailing slash, an empty or "." segment (a path would fold them away and
 * merge two keys), a segment longer than a file name may be, or (on Windows) a character Windows
 * refuses. Such keys keep their bytes in the metadata area instead and work all the same.
 */
export function plainPath(bucketDir: string, key: string): string | undefined {
  const segments = key.split("/");
  for (const s of segments) {
    if (s === "" || s === "." || Buffer.byteLength(s, "utf8") > 255) return undefined;
    if (sep === "\\" && WINDOWS_UNSAFE.test(s)) return undefined;
  }
  return join(bucketDir, ...segments);
}
