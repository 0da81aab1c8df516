import { randomBytes } from "node:crypto";
import * as raw from "node:fs";
import { constants, promises as fs } from "node:fs";
import { dirname, join } from "node:path";

/**
 * File primitives of the filesystem stores. Every file a reader may see is complete: it is written
 * under a temporary name in `tmpDir` (on the same file system) and only then renamed or linked into
 * place, both atomic in POSIX, so a process killed at any instant leaves the old file or the new one.
 */

export type Errno = NodeJS.ErrnoException;

export function errno(e: unknown): string | undefined {
  return (e as Errno | undefined)?.code;
}

/** The process (or the system) ran out of file descriptors: transient, never the file's fault. */
export function outOfDescriptors(e: unknown): boolean {
  const code = errno(e);
  return code === "EMFILE" || code === "ENFILE";
}

/** Runs `fn`, answering `fallback` where it fails with one of the given error codes. */
export async function unless<T, F>(codes: readonly string[], fn: () => Promise<T>, fallback: F): Promise<T | F> {
  try {
    return await fn();
  } catch (e) {
    if (codes.includes(errno(e) ?? "")) return fallback;
    throw e;
  }
}

export interface WriteOptions {
  /** Flush the file (and, after the rename or link, its directory) to the device. */
  fsync: boolean;
}

/** A fresh temporary name; the pid lets a later process tell which files a dead one left behind. */
export function tmpName(tmpDir: string): string {
  return join(tmpDir, `${process.pid}-${randomBytes(8).toString("hex")}.tmp`);
}

/*
 * The small-file primitives below use file descriptors and node:fs's callback API rather than
 * FileHandles: each step is one request to libuv's thread pool (four threads by default), and a
 * store's rate of durable writes is bound by how many requests the pool runs, of which the fsyncs
 * are the only ones that need to be there (issue 16.4).
 */
const call = <T>(run: (done: (e: NodeJS.ErrnoException | null, value?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => run((e, value) => (e ? reject(e) : resolve(value as T))));

/**
 * With fsync, the file is opened O_DSYNC where the platform has it: each write returns once its
 * bytes (and what is needed to read them back) are on the device, so no separate fsync request.
 */
const DSYNC = constants.O_DSYNC ?? 0;

/** Writes `data` under a temporary name and answers that name. */
export async function writeTmp(tmpDir: string, data: string | Uint8Array, options: WriteOptions): Promise<string> {
  const path = tmpName(tmpDir);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const fd = await call<number>((done) => raw.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (options.fsync ? DSYNC : 0), 0o644, done));
  try {
    for (let at = 0; at < bytes.byteLength; ) at += await call<number>((done) => raw.write(fd, bytes, at, bytes.byteLength - at, null, done));
    if (options.fsync && !DSYNC) await call((done) => raw.fsync(fd, done));
  } finally {
    await call((done) => raw.close(fd, done));
  }
  return path;
}

/**
 * Replaces `target` with `data` atomically. With `makeDir`, the target's directory is made when
 * the rename finds it missing (so that a write into a directory that exists costs no mkdir).
 */
export async function writeAtomic(target: string, data: string | Uint8Array, tmpDir: string, options: WriteOptions & { makeDir?: boolean }): Promise<void> {
  const tmp = await writeTmp(tmpDir, data, options);
  try {
    await fs.rename(tmp, target).catch(async (e: unknown) => {
      if (!(options.makeDir && errno(e) === "ENOENT")) throw e;
      await fs.mkdir(dirname(target), { recursive: true });
      await fs.rename(tmp, target);
    });
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  if (options.fsync) await syncDir(dirname(target));
}

/** A file's content, or undefined where there is none; read with one request per step (open, read..., close). */
export async function readSmall(path: string): Promise<Buffer | undefined> {
  const fd = await unless(["ENOENT", "ENOTDIR"], () => call<number>((done) => raw.open(path, constants.O_RDONLY, done)), undefined);
  if (fd === undefined) return undefined;
  try {
    const chunks: Buffer[] = [];
    for (let size = 16 * 1024; ; size *= 2) {
      const buffer = Buffer.allocUnsafe(size);
      const n = await call<number>((done) => raw.read(fd, buffer, 0, size, null, done));
      chunks.push(buffer.subarray(0, n));
      // A regular file's read comes back short only at its end (the files read here are whole: written, then renamed).
      if (n < size) return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    }
  } finally {
    await call((done) => raw.close(fd, done));
  }
}

/**
 * Puts `tmp` at `target` only if nothing is there yet (link(2) fails with EEXIST otherwise), then
 * drops the temporary name. Answers false when `target` was taken.
 */
export async function linkExclusive(tmp: string, target: string, options: WriteOptions): Promise<boolean> {
  try {
    await fs.link(tmp, target);
  } catch (e) {
    if (errno(e) === "EEXIST") return false;
    throw e;
  } finally {
    await fs.rm(tmp, { force: true });
  }
  if (options.fsync) await syncDir(dirname(target));
  return true;
}

/**
 * Flushes keyed by name, shared by callers at the same time (group commit): a flush already started
 * may have begun before the caller's change, so the caller waits for the next one, which every
 * caller arriving until it starts shares. At most one flush a key runs at a time.
 */
export class GroupedFlush {
  private readonly groups = new Map<string, { running?: Promise<void>; next?: Promise<void> }>();

  constructor(private readonly flush: (key: string) => Promise<void>) {}

  /** Resolves once a flush of `key` that started after this call has ended. */
  run(key: string): Promise<void> {
    let g = this.groups.get(key);
    if (!g) this.groups.set(key, (g = {}));
    if (g.next) return g.next;
    const group = g;
    const start = (): Promise<void> => {
      group.next = undefined;
      const running = this.flush(key).finally(() => {
        if (group.running === running) group.running = undefined;
        if (!group.running && !group.next) this.groups.delete(key);
      });
      group.running = running;
      return running;
    };
    if (!group.running) return start();
    group.next = group.running.catch(() => undefined).then(start);
    return group.next;
  }
}

const dirFlushes = new GroupedFlush(flushDir);

/** Flushes a directory's entries (the renames and links into it) to the device, sharing flushes with callers at the same time. */
export function syncDir(dir: string): Promise<void> {
  return dirFlushes.run(dir);
}

async function flushDir(dir: string): Promise<void> {
  const fd = await call<number>((done) => raw.open(dir, constants.O_RDONLY, done));
  try {
    await call((done) => raw.fsync(fd, done));
  } catch (e) {
    // Some file systems (and platforms) cannot sync a directory; the rename is still atomic.
    if (!["EINVAL", "EPERM", "EISDIR", "EBADF"].includes(errno(e) ?? "")) throw e;
  } finally {
    await call((done) => raw.close(fd, done));
  }
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  const bytes = await readSmall(path);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch (e) {
    throw new DamagedFileError(path, `is not valid JSON (was it edited by hand?): ${(e as Error).message}`);
  }
}

/** A file a store keeps that it cannot read; the message has its path (for the server's log). */
export class DamagedFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path} ${problem}`);
    this.name = "DamagedFileError";
  }
}

/** Removes temporary files that a process which is no longer running left behind. */
export async function sweepTmp(tmpDir: string, olderThanMs = 60 * 60_000): Promise<void> {
  const names = await unless(["ENOENT"], () => fs.readdir(tmpDir), [] as string[]);
  for (const name of names) {
    const pid = Number(name.split("-")[0]);
    const path = join(tmpDir, name);
    const stat = await unless(["ENOENT"], () => fs.stat(path), undefined);
    if (!stat) continue;
    const old = Date.now() - stat.mtimeMs > olderThanMs;
    if (old || (pid !== process.pid && !alive(pid))) await fs.rm(path, { force: true, recursive: true });
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === "EPERM";
  }
}
