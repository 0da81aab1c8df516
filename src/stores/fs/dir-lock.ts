import { readFileSync } from "node:fs";
import { promises as fs } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { errno, linkExclusive, tmpName, unless, writeTmp } from "./files.js";

/**
 * One writing process per data directory. The process that writes first (or `open()`s a store
 * first) takes `<dir>/.batchplane/lock`, a file naming it; another process that tries to write
 * the same directory is refused with a message that says who holds it. Every store of that
 * directory in the holding process shares the lock (and whatever they keep beside it).
 *
 * A process that dies leaves its lock file, and the next process takes it over: a lock is stale
 * once its process is gone, which is told by its pid and, where /proc says so (Linux), the pid's
 * start time, so that a new process that reuses the pid is not mistaken for the old one. Two
 * processes taking over the same stale lock at the same instant could both succeed: the rename
 * that takes it is atomic, but the check before it is not.
 */

export class DataDirectoryInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: LockOwner,
  ) {
    super(
      `the data directory ${dir} is in use by another batchplane process (pid ${holder.pid} on ${holder.host}, since ${new Date(holder.since).toISOString()}): ` +
        `one process at a time may write a data directory. Stop that process or choose another directory; ` +
        `if no such process runs, delete ${lockPath(dir)}.`,
    );
    this.name = "DataDirectoryInUseError";
  }
}

interface LockOwner {
  pid: number;
  host: string;
  /** When the lock was taken (ms since the epoch). */
  since: number;
  /** The process's start time as /proc gives it (Linux only). */
  started?: string;
}

interface Held {
  count: number;
  /** Anything the stores of this directory share within the process (the job index, say). */
  shared: Map<string, unknown>;
}

const held = new Map<string, Promise<Held>>();
const me = (): LockOwner => ({ pid: process.pid, host: hostname(), since: Date.now(), started: startTime(process.pid) });

export function lockPath(dir: string): string {
  return join(dir, ".batchplane", "lock");
}

/** Takes the data directory's lock for this process (or shares the one it holds); answers what its stores share. */
export async function lockDataDir(dir: string): Promise<{ shared: Map<string, unknown>; release: () => Promise<void> }> {
  const key = resolve(dir);
  let entry = held.get(key);
  if (!entry) {
    entry = acquire(key).then(() => ({ count: 0, shared: new Map<string, unknown>() }));
    held.set(key, entry);
    entry.catch(() => held.delete(key));
  }
  const h = await entry;
  h.count++;
  let released = false;
  return {
    shared: h.shared,
    release: async () => {
      if (released) return;
      released = true;
      if (--h.count > 0) return;
      held.delete(key);
      const owner = await readOwner(lockPath(key));
      if (owner?.pid === process.pid) await fs.rm(lockPath(key), { force: true });
    },
  };
}

async function acquire(dir: string): Promise<void> {
  const path = lockPath(dir);
  const tmpDir = join(dir, ".batchplane", "tmp");
  await fs.mkdir(tmpDir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const tmp = await writeTmp(tmpDir, JSON.stringify(me()), { fsync: false });
    if (await linkExclusive(tmp, path, { fsync: false })) return;
    const owner = await readOwner(path);
    if (owner && owner.pid !== process.pid && alive(owner)) throw new DataDirectoryInUseError(dir, owner);
    if (attempt >= 5) throw new Error(`cannot take the lock ${path}: it keeps changing`);
    // Stale (its process is gone), unreadable, or left by this very pid in an earlier life: take
    // it out of the way with one atomic rename, then claim the name again.
    const aside = tmpName(tmpDir);
    await unless(["ENOENT"], () => fs.rename(path, aside), undefined);
    await fs.rm(aside, { force: true });
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  const text = await unless(["ENOENT"], () => fs.readFile(path, "utf8"), undefined);
  if (text === undefined) return undefined;
  try {
    const o = JSON.parse(text) as LockOwner;
    return Number.isInteger(o.pid) && typeof o.host === "string" ? o : undefined;
  } catch {
    return undefined;
  }
}

function alive(owner: LockOwner): boolean {
  // Another host's process cannot be checked from here: its lock holds until removed by hand.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if (errno(e) !== "EPERM") return false;
  }
  const started = startTime(owner.pid);
  return owner.started === undefined || started === undefined || started === owner.started;
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
