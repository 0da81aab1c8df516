import { createHash, randomBytes } from "node:crypto";
import { constants, createReadStream, promises as fs, type Stats } from "node:fs";
import { dirname, join } from "node:path";
import { systemClock } from "../core/clock.js";
import type { Tag } from "../core/model/common.js";
import type {
  BucketInfo,
  Body,
  Clock,
  CopyObjectRequest,
  ListObjectsPage,
  ListObjectsRequest,
  ObjectAcl,
  ObjectInfo,
  ObjectRef,
  ObjectStore,
  PutObjectRequest,
  RestoreRequest,
} from "../core/ports.js";
import { ObjectStoreError } from "../core/ports.js";
import { DamagedFileError, errno, outOfDescriptors, sweepTmp, tmpName, unless, writeAtomic, readJson, type WriteOptions } from "./fs/files.js";
import { KeyedMutex } from "../core/keyed-mutex.js";
import { lockDataDir } from "./fs/dir-lock.js";
import { BucketWalker } from "./fs/bucket-walk.js";
import { checkKey, ObjectLayout, plainPath, validBucketName } from "./fs/object-layout.js";
import type { BucketOptions } from "./memory-object-store.js";
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
} from "./object-versions.js";

export interface FsObjectStoreOptions {
  /** The data directory: a directory a bucket, a file an object. Created when missing. */
  dir: string;
  clock?: Clock;
  /** Buckets to create (unversioned) when missing. */
  buckets?: string[];
  /**
   * Flush each object to the device before answering (default false). Writes are atomic either
   * way; this only matters for a power loss.
   */
  fsync?: boolean;
  /** Where a failure of the files themselves is reported, with its path. Default: console.error. */
  log?: (message: string) => void;
}

/** How to tell that a plain file is still the one the store wrote (and not changed by hand). */
interface Fingerprint {
  ino: number;
  size: number;
  mtimeMs: number;
}

interface StoredVersion extends VersionMeta {
  /** Set on the current version when its bytes are the plain file. */
  file?: Fingerprint;
}

interface Sidecar {
  key: string;
  /** Oldest first. */
  versions: StoredVersion[];
  /** The key is in the bucket's spilled index (its current bytes are under blobs/). */
  spilled?: boolean;
}

interface BucketConfig {
  versioning: boolean;
  /** Versioning was on once and is now off (S3's "Suspended"). */
  suspended?: boolean;
  objectLock: boolean;
  replicationTarget?: string;
}

/** One key as found on disk, with its versions reconciled with the plain file. */
interface Entry {
  bucket: string;
  key: string;
  config: BucketConfig;
  /** The plain file's path; undefined for a key a file system cannot hold as a file. */
  plain?: string;
  plainIsFile: boolean;
  /** Something that is not this key's file holds the plain path (a directory, a link, another key's file). */
  occupied: boolean;
  versions: StoredVersion[];
  spilled: boolean;
}

interface PlainState {
  /** The stat of this key's own plain file, if there is one. */
  stat?: Stats;
  occupied: boolean;
}

interface Written {
  tmp: string;
  etag: string;
  size: number;
  fingerprint: Fingerprint;
}

/** Errors that say "a plain file cannot go there" (a file where a directory is needed, or the reverse). */
const PLAIN_BLOCKED = new Set(["ENOTDIR", "EEXIST", "EISDIR", "ENOTEMPTY", "ENAMETOOLONG"]);
const ETAG_CACHE_SIZE = 10_000;

/** Every method of the ObjectStore port: each answers a failure of the files themselves without their paths (see guard). */
const PORT_METHODS = [
  "createBucket",
  "replicationTarget",
  "listBuckets",
  "bucketInfo",
  "deleteBucket",
  "putBucketVersioning",
  "head",
  "get",
  "put",
  "list",
  "delete",
  "copy",
  "getTagging",
  "putTagging",
  "deleteTagging",
  "getAcl",
  "putAcl",
  "restore",
  "putLegalHold",
  "putRetention",
] as const satisfies readonly (keyof ObjectStore)[];

/**
 * Objects on disk: a directory per bucket, a plain file per object (`<dir>/<bucket>/<key>`), so
 * that a manifest and objects dropped in with ordinary tools are objects, and objects written
 * here are ordinary files. What a file cannot hold lives in a metadata area under
 * `<dir>/.batchplane/` (see ObjectLayout): tags, ACL, storage class, restore state, legal hold,
 * retention, older versions, and the bytes of keys that cannot be files (`dir/`, `a//b`, or `a`
 * next to `a/b`). ETags are the hex MD5 of the content, computed for files dropped in by hand.
 *
 * Behaves as S3 does where the engine can tell, exactly as MemoryObjectStore (they share
 * object-versions.ts). Writes are atomic: a temporary file renamed into place.
 *
 * A plain file changed by hand becomes a fresh object (version "null", STANDARD, no tags), as if
 * written by a plain PUT, unless its content is unchanged; a plain file removed by hand removes
 * that version. Symbolic links are not objects (not listed, not followed). One process at a time
 * writes a data directory: the first write (or `open()`) takes its lock (see dir-lock.ts), shared
 * with the FsJobStore of the same directory; reads may be shared.
 */
export class FsObjectStore implements ObjectStore {
  private readonly layout: ObjectLayout;
  private readonly clock: Clock;
  private readonly write: WriteOptions;
  private readonly locks = new KeyedMutex();
  private readonly configs = new Map<string, BucketConfig>();
  private readonly etags = new Map<string, Fingerprint & { etag: string }>();
  private readonly realBuckets = new Map<string, string>();
  private readonly walker = new BucketWalker();
  private readonly log: (message: string) => void;
  private readonly initialBuckets: string[];
  private ready?: Promise<void>;
  private locked?: Promise<{ release: () => Promise<void> }>;

  constructor(options: FsObjectStoreOptions | string) {
    const o = typeof options === "string" ? { dir: options } : options;
    this.layout = new ObjectLayout(o.dir);
    this.clock = o.clock ?? systemClock;
    this.write = { fsync: o.fsync ?? false };
    this.initialBuckets = o.buckets ?? [];
    this.log = o.log ?? ((message) => console.error(message));
    for (const name of PORT_METHODS) {
      const method = (this[name] as (...args: unknown[]) => Promise<unknown>).bind(this);
      (this as Record<string, unknown>)[name] = (...args: unknown[]) => this.guard(name, () => method(...args));
    }
  }

  /**
   * Runs a port method. What S3 would answer (NoSuchKey, AccessDenied...) passes as it is; a
   * failure of the files themselves (a damaged settings file, EIO, EACCES) carries the server's
   * paths, which belong in the server's log, not in a response or a report row users read: it is
   * logged and answered as an InternalError that names no path (ServiceUnavailable when the
   * process ran out of file descriptors).
   */
  private async guard<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const code = errno(e);
      // What S3 would answer, and what is no file's doing (a caller's body that failed), pass as they are.
      if (e instanceof ObjectStoreError || (code === undefined && !(e instanceof DamagedFileError))) throw e;
      this.log(`batchplane: object store ${this.layout.dir}: ${method} failed: ${e instanceof Error ? e.message : String(e)}`);
      if (outOfDescriptors(e)) throw new ObjectStoreError("ServiceUnavailable", 503, "The object store is out of file descriptors; try again", { cause: e });
      const what = code ? `a file operation failed (${code})` : "a file it keeps is damaged";
      throw new ObjectStoreError("InternalError", 500, `The object store could not complete ${method}: ${what}; the server log has the details`, { cause: e });
    }
  }

  // ------------------------------------------------------------------ buckets

  /**
   * Opens the directory for writing: takes its lock (rejects with DataDirectoryInUseError while
   * another process holds it; see dir-lock.ts). Writes open it themselves; a server calls it
   * first so that a second process on the same directory refuses to start.
   */
  async open(): Promise<void> {
    await this.prepare();
    await this.writable();
  }

  /** Releases the directory's lock (once every store of this process that took it has closed). */
  async close(): Promise<void> {
    const locked = this.locked;
    this.locked = undefined;
    if (locked) await (await locked.catch(() => undefined))?.release();
  }

  async createBucket(bucket: string, options: BucketOptions = {}): Promise<void> {
    await this.prepare();
    await this.makeBucket(bucket, options);
  }

  async replicationTarget(bucket: string): Promise<string | undefined> {
    return (await this.bucket(bucket)).replicationTarget;
  }

  /** Every directory of the data directory whose name is a bucket name (made here or by hand). */
  async listBuckets(): Promise<BucketInfo[]> {
    await this.prepare();
    const names = await unless(["ENOENT"], () => fs.readdir(this.layout.dir, { withFileTypes: true }), []);
    const found: BucketInfo[] = [];
    for (const d of names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (!d.isDirectory() || !validBucketName(d.name)) continue;
      found.push(await this.bucketInfo(d.name).catch(() => undefined as never));
    }
    return found.filter((b) => b !== undefined);
  }

  async bucketInfo(bucket: string): Promise<BucketInfo> {
    const config = await this.bucket(bucket);
    const stat = await fs.lstat(this.layout.bucketDir(bucket));
    const versioning = config.versioning ? "Enabled" : config.suspended ? "Suspended" : undefined;
    return { name: bucket, creationDate: Math.round(stat.birthtimeMs || stat.ctimeMs), objectLock: config.objectLock, ...(versioning ? { versioning } : {}) };
  }

  /** Removes an empty bucket's directory and its metadata; BucketNotEmpty while any key (or version) is left. */
  async deleteBucket(bucket: string): Promise<void> {
    await this.writing(bucket);
    await this.locks.run(`bucket:${bucket}`, async () => {
      const sidecars = join(this.layout.meta, "objects", bucket);
      // Versions (and delete markers) live in sidecars: a bucket with one left is not empty.
      const files = await unless(["ENOENT"], () => fs.readdir(sidecars, { recursive: true, withFileTypes: true }), []);
      for (const f of files) {
        if (!f.isFile()) continue;
        const kept = await readJson<{ versions?: unknown[] }>(join(f.parentPath, f.name));
        if ((kept?.versions?.length ?? 0) > 0) throw E.bucketNotEmpty(bucket);
      }
      if ((await this.list({ bucket, maxKeys: 1 })).objects.length > 0) throw E.bucketNotEmpty(bucket);
      await fs.rm(this.layout.bucketDir(bucket), { recursive: true, force: true });
      for (const path of [this.layout.bucketConfig(bucket), this.layout.spilledIndex(bucket), sidecars, join(this.layout.meta, "blobs", bucket)]) {
        await fs.rm(path, { recursive: true, force: true });
      }
      this.configs.delete(bucket);
      this.realBuckets.delete(bucket);
    });
  }

  async putBucketVersioning(bucket: string, enabled: boolean): Promise<void> {
    const current = await this.writing(bucket);
    if (!enabled && current.objectLock) throw E.lockedVersioning(bucket);
    if (!enabled && !current.versioning && !current.suspended) return;
    await this.locks.run(`bucket:${bucket}`, async () => {
      const next: BucketConfig = { ...current, versioning: enabled, suspended: !enabled };
      const path = this.layout.bucketConfig(bucket);
      await fs.mkdir(dirname(path), { recursive: true });
      await writeAtomic(path, JSON.stringify(next), this.layout.tmp, this.write);
      this.configs.set(bucket, next);
    });
  }

  // ------------------------------------------------------------------ objects

  async head(ref: ObjectRef): Promise<ObjectInfo> {
    const entry = await this.read(ref);
    return objectInfo(ref.bucket, ref.key, pickVersion(entry.versions, ref));
  }

  async get(ref: ObjectRef): Promise<{ info: ObjectInfo; body: AsyncIterable<Uint8Array> }> {
    const config = await this.bucket(ref.bucket);
    checkKey(ref.key);
    return this.locks.run(lockKey(ref), async () => {
      // Open the plain file first and reconcile with what was opened, so that the bytes streamed
      // are those of the version described, whatever is renamed into place meanwhile.
      const plain = plainPath(this.layout.bucketDir(ref.bucket), ref.key);
      const state = plain ? await this.plainState(ref.bucket, ref.key, plain) : { occupied: false };
      let handle = state.stat
        ? await unless(["ENOENT", "ENOTDIR", "ELOOP", "EISDIR"], () => fs.open(plain!, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)), undefined)
        : undefined;
      try {
        const stat = handle && (await handle.stat());
        const entry = await this.entry(ref.bucket, ref.key, config, { stat: stat?.isFile() ? stat : undefined, occupied: state.occupied });
        const v = pickVersion(entry.versions, ref);
        requireReadable(v, this.clock.now());
        const info = objectInfo(ref.bucket, ref.key, v);
        if (v.file && handle) {
          const body = handle.createReadStream();
          handle = undefined; // the stream closes it
          return { info, body };
        }
        const blob = await unless(["ENOENT"], () => fs.open(this.layout.blob(ref.bucket, ref.key, v.versionId), constants.O_RDONLY), undefined);
        if (!blob) throw E.noSuchKey(ref);
        return { info, body: blob.createReadStream() };
      } finally {
        await handle?.close();
      }
    });
  }

  async put(req: PutObjectRequest): Promise<{ etag: string; versionId?: string }> {
    const config = await this.writing(req.bucket);
    checkKey(req.key);
    const fields = putFields(req);
    const written = await this.writeBody(req.body);
    try {
      return await this.locks.run(lockKey(req), async () => {
        const entry = await this.entry(req.bucket, req.key, config);
        const v = this.newVersion(config, fields, written.etag, written.size);
        await this.install(entry, v, written);
        return writeResult(v);
      });
    } finally {
      await fs.rm(written.tmp, { force: true });
    }
  }

  async list(req: ListObjectsRequest): Promise<ListObjectsPage> {
    const config = await this.bucket(req.bucket);
    const prefix = req.prefix ?? "";
    const max = pageSize(req.maxKeys);
    const start = req.continuationToken === undefined ? req.startAfter : decodeContinuationToken(req.continuationToken);
    const spilled = ((await readJson<string[]>(this.layout.spilledIndex(req.bucket))) ?? []).filter(
      (k) => k.startsWith(prefix) && (start === undefined || compareKeys(k, start) > 0),
    );
    const objects: ObjectInfo[] = [];
    let last: string | undefined;
    for await (const key of mergeSorted(this.walker.keys(this.layout.bucketDir(req.bucket), prefix, start), spilled)) {
      if (!acceptableKey(key)) continue;
      const entry = await this.locks.run(lockKey({ bucket: req.bucket, key }), () => this.entry(req.bucket, key, config));
      const v = latestVersion(entry.versions);
      if (!v || v.deleteMarker) continue;
      if (objects.length === max) return { objects, continuationToken: encodeContinuationToken(last!) };
      objects.push(objectInfo(req.bucket, key, v));
      last = key;
    }
    return { objects };
  }

  async delete(ref: ObjectRef): Promise<{ versionId?: string; deleteMarker?: boolean }> {
    const config = await this.writing(ref.bucket);
    checkKey(ref.key);
    return this.locks.run(lockKey(ref), async () => {
      const entry = await this.entry(ref.bucket, ref.key, config);
      const now = this.clock.now();
      if (ref.versionId !== undefined) {
        const v = entry.versions.find((x) => x.versionId === ref.versionId);
        // S3 answers a delete of a version that does not exist with success.
        if (!v) return { versionId: ref.versionId };
        requireDeletable(v, now);
        await this.commit(entry, entry.versions.filter((x) => x !== v));
        return { versionId: ref.versionId };
      }
      if (!config.versioning) {
        const current = latestVersion(entry.versions);
        if (current) requireDeletable(current, now);
        await this.commit(entry, []);
        return {};
      }
      const marker = this.newVersion(config, DELETE_MARKER_FIELDS, md5(""), 0, true);
      await this.install(entry, marker);
      return { versionId: marker.versionId, deleteMarker: true };
    });
  }

  async copy(req: CopyObjectRequest): Promise<{ etag: string; versionId?: string }> {
    const sourceConfig = await this.bucket(req.source.bucket);
    const targetConfig = await this.writing(req.target.bucket);
    checkKey(req.source.key);
    checkKey(req.target.key);
    return this.locks.runAll([lockKey(req.source), lockKey(req.target)], async () => {
      const source = await this.entry(req.source.bucket, req.source.key, sourceConfig);
      const v = pickVersion(source.versions, req.source);
      const fields = planCopy(req, v, v === latestVersion(source.versions), targetConfig.objectLock, this.clock.now());
      const written = await this.copyBytes(source, v);
      try {
        const sameKey = req.source.bucket === req.target.bucket && req.source.key === req.target.key;
        const target = sameKey ? source : await this.entry(req.target.bucket, req.target.key, targetConfig);
        const copied = this.newVersion(targetConfig, fields, v.etag, v.size);
        await this.install(target, copied, written);
        return writeResult(copied);
      } finally {
        await fs.rm(written.tmp, { force: true });
      }
    });
  }

  async getTagging(ref: ObjectRef): Promise<Tag[]> {
    return pickVersion((await this.read(ref)).versions, ref).tags.map((t) => ({ ...t }));
  }

  async putTagging(ref: ObjectRef, tags: Tag[]): Promise<void> {
    checkTags(tags);
    await this.update(ref, (v) => {
      v.tags = tags.map((t) => ({ ...t }));
    });
  }

  async deleteTagging(ref: ObjectRef): Promise<void> {
    await this.update(ref, (v) => {
      v.tags = [];
    });
  }

  async getAcl(ref: ObjectRef): Promise<ObjectAcl> {
    return structuredClone(pickVersion((await this.read(ref)).versions, ref).acl);
  }

  async putAcl(ref: ObjectRef, acl: ObjectAcl): Promise<void> {
    await this.update(ref, (v) => {
      v.acl = structuredClone(acl);
    });
  }

  async restore(ref: ObjectRef, req: RestoreRequest): Promise<void> {
    await this.update(ref, (v) => {
      v.restore = restoreAfter(v, req, this.clock.now());
    });
  }

  async putLegalHold(ref: ObjectRef, status: "ON" | "OFF"): Promise<void> {
    requireObjectLock((await this.bucket(ref.bucket)).objectLock, ref.bucket);
    await this.update(ref, (v) => {
      v.legalHold = status;
    });
  }

  async putRetention(ref: ObjectRef, retention: Retention): Promise<void> {
    requireObjectLock((await this.bucket(ref.bucket)).objectLock, ref.bucket);
    await this.update(ref, (v) => {
      const next = retentionAfter(v, retention, this.clock.now());
      if (next) v.retention = next;
      else delete v.retention;
    });
  }

  // ------------------------------------------------------------------ buckets, internals

  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await fs.mkdir(this.layout.tmp, { recursive: true });
      await sweepTmp(this.layout.tmp);
      for (const b of this.initialBuckets) await this.makeBucket(b, {});
    })();
    return this.ready;
  }

  private async makeBucket(bucket: string, options: BucketOptions): Promise<void> {
    if (!validBucketName(bucket)) throw E.invalidBucketName(bucket);
    await this.writable();
    await this.locks.run(`bucket:${bucket}`, async () => {
      await fs.mkdir(this.layout.dir, { recursive: true });
      await unless(["EEXIST"], () => fs.mkdir(this.layout.bucketDir(bucket)), undefined);
      if (!(await fs.lstat(this.layout.bucketDir(bucket))).isDirectory()) throw E.bucketNotDirectory(bucket);
      const current = await this.readConfig(bucket);
      const objectLock = current.objectLock || (options.objectLock ?? false);
      const next: BucketConfig = {
        // Object lock implies versioning, as in S3.
        versioning: current.versioning || (options.versioning ?? false) || objectLock,
        objectLock,
      };
      if (current.suspended && !next.versioning) next.suspended = true;
      const replicationTarget = options.replicationTarget ?? current.replicationTarget;
      if (replicationTarget !== undefined) next.replicationTarget = replicationTarget;
      const path = this.layout.bucketConfig(bucket);
      await fs.mkdir(dirname(path), { recursive: true });
      await writeAtomic(path, JSON.stringify(next), this.layout.tmp, this.write);
      this.configs.set(bucket, next);
    });
  }

  /** Takes the data directory's lock once: one process writes a data directory. */
  private async writable(): Promise<void> {
    this.locked ??= lockDataDir(this.layout.dir);
    this.locked.catch(() => (this.locked = undefined));
    await this.locked;
  }

  /** A bucket's settings, for a write into it. */
  private async writing(name: string): Promise<BucketConfig> {
    const config = await this.bucket(name);
    await this.writable();
    return config;
  }

  /** A bucket's settings; NoSuchBucket unless its directory exists (a directory made by hand is a plain bucket). */
  private async bucket(name: string): Promise<BucketConfig> {
    await this.prepare();
    if (!validBucketName(name)) throw E.noSuchBucket(name);
    // lstat: a symbolic link is not a bucket, whatever it points at (it is never followed).
    const stat = await unless(["ENOENT", "ENOTDIR"], () => fs.lstat(this.layout.bucketDir(name)), undefined);
    if (!stat?.isDirectory()) {
      this.configs.delete(name);
      this.realBuckets.delete(name);
      throw E.noSuchBucket(name);
    }
    let config = this.configs.get(name);
    if (!config) {
      config = await this.readConfig(name);
      this.configs.set(name, config);
    }
    return config;
  }

  private async readConfig(bucket: string): Promise<BucketConfig> {
    return (await readJson<BucketConfig>(this.layout.bucketConfig(bucket))) ?? { versioning: false, objectLock: false };
  }

  // ------------------------------------------------------------------ keys, internals

  private async read(ref: ObjectRef): Promise<Entry> {
    const config = await this.bucket(ref.bucket);
    checkKey(ref.key);
    return this.locks.run(lockKey(ref), () => this.entry(ref.bucket, ref.key, config));
  }

  /** Changes one version's metadata (tags, ACL, restore, lock) and writes the sidecar. */
  private async update(ref: ObjectRef, change: (v: StoredVersion) => void): Promise<void> {
    const config = await this.writing(ref.bucket);
    checkKey(ref.key);
    await this.locks.run(lockKey(ref), async () => {
      const entry = await this.entry(ref.bucket, ref.key, config);
      change(pickVersion(entry.versions, ref));
      await this.commit(entry, entry.versions, { bytesUnchanged: true });
    });
  }

  /** Loads a key: its sidecar, reconciled with the plain file as it is now (or as opened). */
  private async entry(bucket: string, key: string, config: BucketConfig, opened?: PlainState): Promise<Entry> {
    const plain = plainPath(this.layout.bucketDir(bucket), key);
    const sidecar = await readJson<Sidecar>(this.layout.sidecar(bucket, key));
    const ours = latestVersion(sidecar?.versions ?? [])?.file;
    const { stat, occupied } = opened ?? (plain ? await this.plainState(bucket, key, plain, ours) : { occupied: false });
    const versions = await this.reconcile(bucket, key, plain, sidecar?.versions ?? [], stat);
    return { bucket, key, config, plain, plainIsFile: stat !== undefined, occupied, versions, spilled: sidecar?.spilled ?? false };
  }

  /**
   * What is at a key's plain path: its stat when the file there is this key's own, or whether
   * something else occupies it. The file's real path must be exactly the bucket's real path and
   * the key's segments: so a link on the way (made by hand) is not followed, and where the file
   * system folds case or Unicode normalisation (macOS, Windows), `a` never reads or overwrites `A`.
   * A file that is still the very one the store put there for this key (`ours`: the same inode,
   * size and modification time) needs no such check: the real path was checked when it was put.
   */
  private async plainState(bucket: string, key: string, plain: string, ours?: Fingerprint): Promise<PlainState> {
    const stat = await unless(["ENOENT", "ENOTDIR", "ENAMETOOLONG"], () => fs.lstat(plain), undefined);
    if (!stat) return { occupied: false };
    if (!stat.isFile()) return { occupied: true };
    if (ours && sameFile(ours, stat)) return { stat, occupied: false };
    const real = await unless(["ENOENT", "ENOTDIR", "ELOOP"], () => fs.realpath(plain), undefined);
    if (real === undefined) return { occupied: false };
    return real === (await this.realPlainPath(bucket, key)) ? { stat, occupied: false } : { occupied: true };
  }

  /** Where a key's plain file really is once every link is resolved: the bucket's real path and the key's segments. */
  private async realPlainPath(bucket: string, key: string): Promise<string> {
    let real = this.realBuckets.get(bucket);
    if (real === undefined) {
      real = await fs.realpath(this.layout.bucketDir(bucket));
      this.realBuckets.set(bucket, real);
    }
    return join(real, ...key.split("/"));
  }

  /**
   * The versions of a key as they really are: the sidecar says which version the plain file
   * holds and how to recognise it; a file changed, removed or dropped in by hand since is taken
   * as it is.
   */
  private async reconcile(bucket: string, key: string, plain: string | undefined, stored: StoredVersion[], stat: Stats | undefined): Promise<StoredVersion[]> {
    const versions = [...stored];
    const last = latestVersion(versions);
    if (last?.file) {
      if (stat && sameFile(last.file, stat)) return versions;
      if (stat && stat.size === last.size && (await this.md5Of(plain!, stat)) === last.etag) {
        last.file = fingerprint(stat); // touched or rewritten with the same content
        return versions;
      }
      versions.pop();
      // A write that died between keeping the old bytes and writing the sidecar: the old version survives.
      if (await exists(this.layout.blob(bucket, key, last.versionId))) {
        delete last.file;
        versions.push(last);
      }
    }
    if (!stat || latestVersion(versions)?.file) return versions;
    const foreign: StoredVersion = {
      versionId: NULL_VERSION,
      deleteMarker: false,
      etag: await this.md5Of(plain!, stat),
      size: stat.size,
      lastModified: Math.floor(stat.mtimeMs),
      storageClass: "STANDARD",
      tags: [],
      acl: { canned: "private" },
      file: fingerprint(stat),
    };
    return withVersion(versions, foreign, false);
  }

  private newVersion(config: BucketConfig, fields: VersionFields, etag: string, size: number, deleteMarker = false): StoredVersion {
    const versionId = config.versioning ? `${this.clock.now().toString(16).padStart(12, "0")}${randomBytes(10).toString("hex")}` : NULL_VERSION;
    return { ...structuredClone(fields), versionId, deleteMarker, etag, size, lastModified: this.clock.now() };
  }

  /** Adds a version (with its bytes, unless it is a delete marker) and commits the key. */
  private async install(entry: Entry, v: StoredVersion, written?: Written): Promise<void> {
    const next = withVersion(entry.versions, v, entry.config.versioning);
    const previous = latestVersion(entry.versions);
    if (previous?.file && next.includes(previous)) await this.demote(entry, previous);
    if (written) {
      const tmp = written.tmp;
      if (entry.plain && (await this.intoPlain(entry, () => fs.rename(tmp, entry.plain!)))) {
        v.file = written.fingerprint;
      } else {
        await fs.mkdir(this.layout.blobDir(entry.bucket, entry.key), { recursive: true });
        await fs.rename(tmp, this.layout.blob(entry.bucket, entry.key, v.versionId));
      }
    }
    await this.commit(entry, next);
  }

  /**
   * Makes the disk match `next`: the plain file holds the current version where it can (or is
   * gone), the spilled index knows the keys whose current bytes are under blobs/, the sidecar
   * holds the versions, and the bytes of versions no longer there are removed. Each step leaves
   * a state that reconcile() reads correctly should the process die before the next.
   */
  private async commit(entry: Entry, next: StoredVersion[], o: { bytesUnchanged?: boolean } = {}): Promise<void> {
    const { bucket, key } = entry;
    if (entry.plain && entry.plainIsFile && !next.some((v) => v.file)) {
      await fs.rm(entry.plain, { force: true });
      entry.plainIsFile = false;
      await this.prune(entry.plain, bucket);
    }
    const current = latestVersion(next);
    if (current && !current.deleteMarker && !current.file && entry.plain && !entry.plainIsFile) await this.promote(entry, current);
    const spilled = current !== undefined && !current.deleteMarker && !current.file;
    if (spilled && !entry.spilled) await this.spill(bucket, key, true);
    const sidecar = this.layout.sidecar(bucket, key);
    if (next.length > 0) {
      const content: Sidecar = { key, versions: next };
      if (spilled) content.spilled = true;
      await writeAtomic(sidecar, JSON.stringify(content), this.layout.tmp, { ...this.write, makeDir: true });
    } else {
      await fs.rm(sidecar, { force: true });
    }
    if (!spilled && entry.spilled) await this.spill(bucket, key, false);
    // A change of metadata alone (tags, ACL...) moves no bytes: every version keeps them where they are.
    if (!o.bytesUnchanged) for (const old of entry.versions) {
      const kept = next.some((v) => v.versionId === old.versionId && !v.file);
      if (!kept) await fs.rm(this.layout.blob(bucket, key, old.versionId), { force: true });
    }
    if (next.length === 0) await fs.rm(this.layout.blobDir(bucket, key), { recursive: true, force: true });
    entry.versions = next;
    entry.spilled = spilled;
  }

  /** Keeps the bytes of the version the plain file holds under blobs/, before the file changes. */
  private async demote(entry: Entry, v: StoredVersion): Promise<void> {
    const blob = this.layout.blob(entry.bucket, entry.key, v.versionId);
    await fs.mkdir(dirname(blob), { recursive: true });
    await fs.rm(blob, { force: true });
    try {
      await fs.link(entry.plain!, blob);
    } catch (e) {
      if (!["EPERM", "ENOTSUP", "EXDEV", "EMLINK"].includes(errno(e) ?? "")) throw e;
      await fs.copyFile(entry.plain!, blob);
    }
    delete v.file;
  }

  /** Moves a current version's bytes from blobs/ back to the plain file, where the path is free. */
  private async promote(entry: Entry, v: StoredVersion): Promise<void> {
    const blob = this.layout.blob(entry.bucket, entry.key, v.versionId);
    if (!(await this.intoPlain(entry, () => fs.link(blob, entry.plain!)))) return;
    const { stat } = await this.plainState(entry.bucket, entry.key, entry.plain!);
    if (!stat) return;
    v.file = fingerprint(stat);
    await fs.rm(blob, { force: true });
  }

  /** Runs `place` (a rename or link onto the plain path) after making its directory; false where no file can go there. */
  private async intoPlain(entry: Entry, place: () => Promise<void>): Promise<boolean> {
    const plain = entry.plain!;
    if (entry.occupied) return false;
    for (let attempt = 0; ; attempt++) {
      try {
        if (!(await makeDirs(this.layout.bucketDir(entry.bucket), entry.key.split("/").slice(0, -1)))) return false;
        // Another spelling of the key's directory (a file system that folds case or normalisation).
        if ((await fs.realpath(dirname(plain))) !== dirname(await this.realPlainPath(entry.bucket, entry.key))) return false;
        await place();
        entry.plainIsFile = true;
        return true;
      } catch (e) {
        const code = errno(e) ?? "";
        if (PLAIN_BLOCKED.has(code)) return false;
        // The directory was pruned by a delete of a neighbour meanwhile: make it again.
        if (code === "ENOENT" && attempt < 3) continue;
        throw e;
      }
    }
  }

  /** Removes the directories a deleted plain file leaves empty, up to (not including) the bucket. */
  private async prune(plain: string, bucket: string): Promise<void> {
    const top = this.layout.bucketDir(bucket);
    for (let dir = dirname(plain); dir.length > top.length && dir.startsWith(top); dir = dirname(dir)) {
      if ((await unless(["ENOTEMPTY", "EEXIST", "ENOENT", "ENOTDIR", "EBUSY", "EPERM"], () => fs.rmdir(dir).then(() => true), false)) === false) return;
    }
  }

  /** Adds a key to, or removes it from, the bucket's index of keys whose current bytes are under blobs/. */
  private async spill(bucket: string, key: string, add: boolean): Promise<void> {
    await this.locks.run(`spilled:${bucket}`, async () => {
      const path = this.layout.spilledIndex(bucket);
      const keys = (await readJson<string[]>(path)) ?? [];
      if (keys.includes(key) === add) return;
      const next = add ? [...keys, key].sort(compareKeys) : keys.filter((k) => k !== key);
      await fs.mkdir(dirname(path), { recursive: true });
      await writeAtomic(path, JSON.stringify(next), this.layout.tmp, this.write);
    });
  }

  /** Streams a body into a temporary file, hashing it on the way. */
  private async writeBody(body: Body): Promise<Written> {
    const tmp = tmpName(this.layout.tmp);
    const handle = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    const hash = createHash("md5");
    let size = 0;
    try {
      try {
        const chunks = typeof body === "string" ? [Buffer.from(body, "utf8")] : body instanceof Uint8Array ? [body] : body;
        for await (const chunk of chunks) {
          hash.update(chunk);
          for (let at = 0; at < chunk.byteLength; ) at += (await handle.write(chunk, at, chunk.byteLength - at)).bytesWritten;
          size += chunk.byteLength;
        }
        if (this.write.fsync) await handle.sync();
        return { tmp, etag: hash.digest("hex"), size, fingerprint: fingerprint(await handle.stat()) };
      } finally {
        await handle.close();
      }
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  /** A copy of a version's bytes in a temporary file. */
  private async copyBytes(entry: Entry, v: StoredVersion): Promise<Written> {
    const from = v.file ? entry.plain! : this.layout.blob(entry.bucket, entry.key, v.versionId);
    const tmp = tmpName(this.layout.tmp);
    await fs.copyFile(from, tmp);
    if (this.write.fsync) {
      const handle = await fs.open(tmp, constants.O_RDONLY);
      await handle.sync().finally(() => handle.close());
    }
    return { tmp, etag: v.etag, size: v.size, fingerprint: fingerprint(await fs.stat(tmp)) };
  }

  private async md5Of(path: string, stat: Stats): Promise<string> {
    const cached = this.etags.get(path);
    if (cached && sameFile(cached, stat)) return cached.etag;
    const hash = createHash("md5");
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    const etag = hash.digest("hex");
    this.etags.delete(path);
    this.etags.set(path, { ...fingerprint(stat), etag });
    if (this.etags.size > ETAG_CACHE_SIZE) this.etags.delete(this.etags.keys().next().value!);
    return etag;
  }
}

function lockKey(ref: { bucket: string; key: string }): string {
  return `key:${ref.bucket}\u0000${ref.key}`;
}

function fingerprint(stat: Stats): Fingerprint {
  return { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
}

function sameFile(f: Fingerprint, stat: Stats): boolean {
  return f.ino === stat.ino && f.size === stat.size && f.mtimeMs === stat.mtimeMs;
}


/**
 * Makes the directories of `segments` under `top`, one at a time, never through a symbolic link
 * (mkdir -p would follow one and make directories wherever it points). False where something on
 * the way is a link or not a directory: the key then cannot be a plain file.
 */
async function makeDirs(top: string, segments: readonly string[]): Promise<boolean> {
  let dir = top;
  for (const segment of segments) {
    dir = join(dir, segment);
    await unless(["EEXIST"], () => fs.mkdir(dir), undefined);
    const stat = await unless(["ENOENT"], () => fs.lstat(dir), undefined);
    if (!stat?.isDirectory()) return false;
  }
  return true;
}

async function exists(path: string): Promise<boolean> {
  return (await unless(["ENOENT", "ENOTDIR"], () => fs.stat(path), undefined)) !== undefined;
}

function md5(s: string): string {
  return createHash("md5").update(s).digest("hex");
}

/** A walked key the store would accept (a path deeper than S3's key limit is not an object). */
function acceptableKey(key: string): boolean {
  try {
    checkKey(key);
    return true;
  } catch {
    return false;
  }
}

/** Two ascending key sequences as one, each key once. */
async function* mergeSorted(walked: AsyncIterable<string>, listed: readonly string[]): AsyncGenerator<string> {
  let i = 0;
  for await (const key of walked) {
    while (i < listed.length && compareKeys(listed[i]!, key) < 0) yield listed[i++]!;
    if (i < listed.length && listed[i] === key) i++;
    yield key;
  }
  while (i < listed.length) yield listed[i++]!;
}
