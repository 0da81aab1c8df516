import { randomBytes } from "node:crypto";
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

/** Writes `data` under a temporary name and answers that name. */
export async function writeTmp(tmpDir: string, data: string | Uint8Array, options: WriteOptions): Promise<string> {
  const path = tmpName(tmpDir);
  const handle = await fs.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    await handle.writeFile(data);
    if (options.fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  return path;
}

/** Replaces `target` with `data` atomically. */
export async function writeAtomic(target: string, data: string | Uint8Array, tmpDir: string, options: WriteOptions): Promise<void> {
  const tmp = await writeTmp(tmpDir, data, options);
  try {
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  if (options.fsync) await syncDir(dirname(target));
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

export async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } catch (e) {
    // Some file systems (and platforms) cannot sync a directory; the rename is still atomic.
    if (!["EINVAL", "EPERM", "EISDIR", "EBADF"].includes(errno(e) ?? "")) throw e;
  } finally {
    await handle.close();
  }
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  const text = await unless(["ENOENT", "ENOTDIR"], () => fs.readFile(path, "utf8"), undefined);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
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
