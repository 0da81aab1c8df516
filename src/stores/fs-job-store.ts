import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { StoreUnavailableError } from "../core/errors.js";
import { KeyedMutex } from "../core/keyed-mutex.js";
import { sameTenant, tenantKey, type Tenant } from "../core/model/common.js";
import { jobSchema, type Job, type JobStatus } from "../core/model/index.js";
import type { InsertResult, JobListQuery, JobStore } from "../core/ports.js";
import { lockDataDir } from "./fs/dir-lock.js";
import { errno, linkExclusive, outOfDescriptors, sweepTmp, syncDir, unless, writeTmp, type WriteOptions } from "./fs/files.js";
import { JobIndex, type IndexEntry } from "./fs/job-index.js";
import { scanJobs, selectJobs } from "./memory-job-store.js";

export interface FsJobStoreOptions {
  /** The data directory; jobs live under `<dir>/.batchplane/jobs/`. */
  dir: string;
  /**
   * Flush every job write to the device before answering (default true): a job survives a power
   * loss, not only the death of the process. Without it a write is still atomic.
   */
  fsync?: boolean;
  /** Where a damaged job file is reported (once per file, with its path). Default: console.error. */
  log?: (message: string) => void;
}

/** How many superseded versions of a job stay on disk (see `replace`). */
const KEEP_VERSIONS = 4;
/** A token file younger than this whose job is missing may belong to an insert still under way. */
const TOKEN_GRACE_MS = 2_000;
const VERSION_FILE = /^(\d+)\.json$/;
/** How many jobs a listing or scan reads at once. */
const READ_BATCH = 64;

type Tombstone = { deleted: true; id: string };
/** The newest version of a job directory; a tombstone (a deleted job) has no job. */
type Current = { version: number; id: string; job?: Job };

/**
 * Jobs on disk, one directory a job under `.batchplane/jobs/by-id/`, one file a version in it
 * (`<version>.json`), plus one file a (tenant, clientRequestToken) under `jobs/by-token/` holding
 * the job id.
 *
 * Every file is written whole under a temporary name and then linked into place, and never
 * changed afterwards: a process killed at any instant leaves each job at its last complete
 * version. Compare-and-set claims version N+1 with link(2), which fails when the file exists, so:
 * - within one process, inserts, replaces and deletes of one job are also serialised by a mutex;
 * - across processes sharing the directory, id and version claims are atomic as well (two writers
 *   of the same version: one link fails). Superseded versions are pruned, keeping the newest four;
 *   a writer in another process that read version N and then stalled while four more versions
 *   were written and pruned could claim N+1 again, so the guarantee holds for writers that do not
 *   stall that long between reading N and linking N+1 (a small file write, and a flush with
 *   fsync). Token uniqueness
 *   holds across processes too, except when a process died between claiming a token and writing its
 *   job: after a grace of two seconds the next insert takes the orphaned token over, and two
 *   processes taking over the same orphan at the same instant could both insert.
 *
 * One process writes a data directory (see dir-lock.ts): the first write, or `open()`, takes the
 * directory's lock, and another process's writes are refused. The writing process keeps an index
 * of every job's tenant, status and creation time (built at open), so that a listing reads only
 * the jobs of its page and a scan only the jobs in the statuses asked. A process that only reads
 * (inspecting a directory that a server is using) takes no lock and lists by reading every job.
 *
 * A damaged version file (truncated, not JSON, not a job) costs only its own job: the job is read
 * at its newest version that is whole, and with none it is left out (as if it did not exist),
 * reported once in the log with the file's path.
 */
export class FsJobStore implements JobStore {
  /** The data directory (serve() keeps the work leases of these jobs next to them). */
  readonly dir: string;
  private readonly byId: string;
  private readonly byToken: string;
  private readonly tmpDir: string;
  private readonly write: WriteOptions;
  private readonly locks = new KeyedMutex();
  /** Parsed versions, by directory name: version files never change, so a hit is always right. */
  private cache = new Map<string, { version: number; job: Job }>();
  /**
   * Set once this store writes the directory: the process that holds the lock is the only writer,
   * so its cache (shared by its stores of the directory) is the truth, and a cached job is
   * answered without looking at the disk.
   */
  private trusted = false;
  private readonly log: (message: string) => void;
  /** Damaged files already reported. */
  private readonly reported = new Set<string>();
  private opened?: Promise<{ index: JobIndex; release: () => Promise<void> }>;

  constructor(options: FsJobStoreOptions | string) {
    const { dir, fsync = true, log } = typeof options === "string" ? ({ dir: options } as FsJobStoreOptions) : options;
    const root = join(dir, ".batchplane");
    this.dir = dir;
    this.byId = join(root, "jobs", "by-id");
    this.byToken = join(root, "jobs", "by-token");
    this.tmpDir = join(root, "tmp");
    this.write = { fsync };
    this.log = log ?? ((message) => console.error(message));
  }

  /**
   * Opens the directory for writing: takes its lock (rejects with DataDirectoryInUseError while
   * another process holds it) and builds the index. Writes open it themselves; a server calls it
   * first so that a second process on the same directory refuses to start.
   */
  open(): Promise<void> {
    return this.writable().then(() => undefined);
  }

  /** Releases the directory's lock (once every store of this process that took it has closed). */
  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    this.trusted = false;
    this.cache = new Map();
    if (opened) await (await opened.catch(() => undefined))?.release();
  }

  insert(job: Job): Promise<InsertResult> {
    return available(() => this.insertJob(job));
  }

  get(id: string): Promise<Job | undefined> {
    return available(async () => {
      const current = await this.current(dirName(id));
      return current?.job && current.job.id === id ? structuredClone(current.job) : undefined;
    });
  }

  findByToken(tenant: Tenant, clientRequestToken: string): Promise<Job | undefined> {
    return available(async () => {
      const holder = await this.tokenHolder(join(this.byToken, tokenName(tenant, clientRequestToken)), tenant, clientRequestToken);
      return holder && structuredClone(holder);
    });
  }

  replace(job: Job, expectedVersion: number): Promise<boolean> {
    return available(() => this.replaceJob(job, expectedVersion));
  }

  delete(id: string, expectedVersion: number): Promise<boolean> {
    return available(() => this.deleteJob(id, expectedVersion));
  }

  list(query: JobListQuery): Promise<Job[]> {
    return available(async () => {
      const index = await this.index();
      if (!index) return selectJobs((await this.all(false)).map(([, job]) => job), query);
      const key = tenantKey(query.tenant);
      const statuses = query.statuses && query.statuses.length > 0 ? new Set<JobStatus>(query.statuses) : undefined;
      const wanted = (job: Job) => tenantKey(job.tenant) === key && (!statuses || statuses.has(job.status));
      // A batch at a time from the index, each after the last one read: the page reads its own jobs.
      const jobs: Job[] = [];
      let cursor = query.after;
      for (;;) {
        const batch = index.after(key, cursor, statuses, Math.min(READ_BATCH, query.limit - jobs.length));
        if (batch.length === 0) return jobs;
        jobs.push(...(await this.readEntries(index, batch, wanted, query.limit - jobs.length)));
        if (jobs.length >= query.limit) return jobs;
        cursor = batch[batch.length - 1]!;
      }
    });
  }

  scan(statuses: readonly JobStatus[]): Promise<Job[]> {
    return available(async () => {
      const index = await this.index();
      if (!index) return scanJobs((await this.all(false)).map(([, job]) => job), statuses);
      const set = new Set(statuses);
      return this.readEntries(index, index.withStatus(set), (job) => set.has(job.status), Infinity);
    });
  }

  // ------------------------------------------------------------------ internals

  private async insertJob(job: Job): Promise<InsertResult> {
    const { index } = await this.writable();
    const tokenFile = join(this.byToken, tokenName(job.tenant, job.clientRequestToken));
    return this.locks.runAll([`token:${tokenFile}`, `id:${job.id}`], async () => {
      for (;;) {
        const tmp = await writeTmp(this.tmpDir, job.id, this.write);
        if (await linkExclusive(tmp, tokenFile, this.write)) break;
        const holder = await this.tokenHolder(tokenFile, job.tenant, job.clientRequestToken);
        if (holder) return { inserted: false, existing: holder };
        await this.releaseOrphanToken(tokenFile);
      }
      try {
        await this.createJobDir(job);
      } catch (e) {
        await fs.rm(tokenFile, { force: true });
        throw e;
      }
      this.cache.set(dirName(job.id), { version: job.version, job: structuredClone(job) });
      index.set(dirName(job.id), job);
      return { inserted: true };
    });
  }

  private async replaceJob(job: Job, expectedVersion: number): Promise<boolean> {
    if (job.version !== expectedVersion + 1) return false;
    const { index } = await this.writable();
    const name = dirName(job.id);
    return this.locks.run(`id:${job.id}`, async () => {
      if (!(await this.claim(name, job.id, expectedVersion, job))) return false;
      this.cache.set(name, { version: job.version, job: structuredClone(job) });
      index.set(name, job);
      await this.prune(name, job.version);
      return true;
    });
  }

  private async deleteJob(id: string, expectedVersion: number): Promise<boolean> {
    const { index } = await this.writable();
    const name = dirName(id);
    return this.locks.run(`id:${id}`, async () => {
      const current = await this.current(name);
      if (!current?.job || current.job.id !== id) return false;
      const tombstone: Tombstone = { deleted: true, id };
      if (!(await this.claim(name, id, expectedVersion, tombstone))) return false;
      const tokenFile = join(this.byToken, tokenName(current.job.tenant, current.job.clientRequestToken));
      if ((await unless(["ENOENT"], () => fs.readFile(tokenFile, "utf8"), undefined)) === id) await fs.rm(tokenFile, { force: true });
      await this.removeJobDir(name);
      index.remove(name);
      return true;
    });
  }

  /** Takes the lock and builds the index, once (every store of this directory in the process shares them). */
  private writable(): Promise<{ index: JobIndex; release: () => Promise<void> }> {
    this.opened ??= (async () => {
      for (const dir of [this.byId, this.byToken, this.tmpDir]) await fs.mkdir(dir, { recursive: true });
      const { shared, release } = await lockDataDir(this.dir);
      try {
        const cache = (shared.get("jobs-cache") as typeof this.cache | undefined) ?? this.cache;
        shared.set("jobs-cache", cache);
        this.cache = cache;
        let index = shared.get("jobs") as Promise<JobIndex> | undefined;
        if (!index) {
          index = (async () => {
            await sweepTmp(this.tmpDir);
            const built = new JobIndex();
            for (const [name, job] of await this.all(true)) built.set(name, job);
            return built;
          })();
          shared.set("jobs", index);
          index.catch(() => shared.delete("jobs"));
        }
        const built = await index;
        this.trusted = true;
        return { index: built, release };
      } catch (e) {
        await release();
        throw e;
      }
    })();
    this.opened.catch(() => (this.opened = undefined));
    return this.opened;
  }

  /** The index, when this store writes the directory (a reader has none). */
  private async index(): Promise<JobIndex | undefined> {
    return this.opened ? (await this.opened).index : undefined;
  }

  /**
   * Reads indexed jobs in order, a batch at a time, until `limit` of them pass `wanted` (copies);
   * the index learns of any job found changed or gone on the way.
   */
  private async readEntries(index: JobIndex, entries: readonly IndexEntry[], wanted: (job: Job) => boolean, limit: number): Promise<Job[]> {
    const jobs: Job[] = [];
    for (let i = 0; i < entries.length && jobs.length < limit; ) {
      const batch = entries.slice(i, i + Math.min(READ_BATCH, limit - jobs.length));
      i += batch.length;
      const read = await Promise.all(batch.map((e) => this.current(e.name)));
      read.forEach((current, k) => {
        const name = batch[k]!.name;
        if (!current?.job) return index.remove(name);
        index.set(name, current.job);
        if (jobs.length < limit && wanted(current.job)) jobs.push(structuredClone(current.job));
      });
    }
    return jobs;
  }

  /**
   * Every job with its directory name, read with bounded concurrency; a writer (`tidy`) also
   * finishes removing the jobs a dead process was deleting, and the empty directories of inserts
   * a dead process began.
   */
  private async all(tidy: boolean): Promise<[string, Job][]> {
    const names = await unless(["ENOENT"], () => fs.readdir(this.byId), [] as string[]);
    const jobs: [string, Job][] = [];
    for (let i = 0; i < names.length; i += READ_BATCH) {
      const batch = await Promise.all(names.slice(i, i + READ_BATCH).map(async (name) => [name, await this.current(name)] as const));
      for (const [name, current] of batch) {
        if (current?.job) jobs.push([name, current.job]);
        else if (current && tidy) await this.locks.run(`id:${current.id}`, () => this.removeJobDir(name));
        // An empty directory: an insert killed before its first version file. The writer tidies it
        // at start, before any insert of its own (rmdir refuses a directory that is not empty).
        else if (!current && tidy && (await this.readJobDir(join(this.byId, name)))?.length === 0) {
          await unless(["ENOENT", "ENOTEMPTY", "EEXIST"], () => fs.rmdir(join(this.byId, name)), undefined);
        }
      }
    }
    return jobs;
  }

  /**
   * The newest version of a job directory, with the job as its newest whole version file holds
   * it: a damaged newer file is skipped (and reported), so that it costs only its own job. The
   * job is given the newest version number, so that the next compare-and-set claims the number
   * after the damaged file.
   */
  private async current(name: string): Promise<Current | undefined> {
    const known = this.trusted ? this.cache.get(name) : undefined;
    if (known) return { ...known, id: known.job.id };
    const dir = join(this.byId, name);
    for (let attempt = 0; ; attempt++) {
      const names = await this.readJobDir(dir);
      const versions = names ? versionsOf(names) : [];
      const newest = versions[0];
      if (newest === undefined) return undefined;
      const cached = this.cache.get(name);
      if (cached?.version === newest) return { ...cached, id: cached.job.id };
      let vanished = false;
      for (const v of versions) {
        const content = await this.readVersion(name, join(dir, `${v}.json`));
        if (content === "gone") {
          vanished = true;
          break;
        }
        if (content === undefined) continue;
        if ("deleted" in content) return { version: newest, id: content.id };
        const job = v === newest ? content : { ...content, version: newest };
        this.cache.set(name, { version: newest, job });
        return { version: newest, id: job.id, job };
      }
      // Pruned or deleted between the listing and the read: list again.
      if (vanished && attempt < 5) continue;
      if (!vanished) this.report(dir, "no version of this job can be read; it is left out until it is repaired or removed");
      return undefined;
    }
  }

  private async readJobDir(dir: string): Promise<string[] | undefined> {
    try {
      return await fs.readdir(dir);
    } catch (e) {
      if (["ENOENT", "ENOTDIR"].includes(errno(e) ?? "")) return undefined;
      if (outOfDescriptors(e)) throw e;
      this.report(dir, `the job directory cannot be read (${errno(e) ?? String(e)}); the job is left out`);
      return undefined;
    }
  }

  /** One version file: its job or tombstone, undefined when damaged (reported), "gone" when it vanished meanwhile. */
  private async readVersion(name: string, path: string): Promise<Job | Tombstone | undefined | "gone"> {
    let text: string;
    try {
      text = await fs.readFile(path, "utf8");
    } catch (e) {
      if (["ENOENT", "ENOTDIR"].includes(errno(e) ?? "")) return "gone";
      if (outOfDescriptors(e)) throw e;
      this.report(path, `cannot be read (${errno(e) ?? String(e)})`);
      return undefined;
    }
    let content: unknown;
    try {
      content = JSON.parse(text);
    } catch (e) {
      this.report(path, `is not valid JSON (truncated, or edited by hand?): ${(e as Error).message}`);
      return undefined;
    }
    const tombstone = content as Partial<Tombstone> | null;
    if (tombstone?.deleted === true && typeof tombstone.id === "string" && dirName(tombstone.id) === name) return tombstone as Tombstone;
    const parsed = jobSchema.safeParse(content);
    if (!parsed.success || dirName(parsed.data.id) !== name) {
      const why = parsed.success ? `holds job ${parsed.data.id}, not this directory's` : `is not a job (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`;
      this.report(path, why);
      return undefined;
    }
    // The file as written, not as parsed: the schema may drop what it does not know.
    return content as Job;
  }

  private report(path: string, problem: string): void {
    if (this.reported.has(path)) return;
    this.reported.add(path);
    this.log(`batchplane: job file ${path} ${problem}`);
  }

  /**
   * Claims version `expected + 1` of a job with `content`, if its newest version is `expected`
   * and no other writer claimed the next one first.
   */
  private async claim(name: string, id: string, expected: number, content: Job | Tombstone): Promise<boolean> {
    const current = await this.current(name);
    if (!current?.job || current.job.id !== id || current.version !== expected) return false;
    const tmp = await writeTmp(this.tmpDir, JSON.stringify(content), this.write);
    try {
      if (await linkExclusive(tmp, join(this.byId, name, `${expected + 1}.json`), this.write)) return true;
      this.cache.delete(name); // another writer after all (a process the lock did not stop): read it again
      return false;
    } catch (e) {
      if (errno(e) === "ENOENT") return false; // the job was deleted meanwhile
      throw e;
    }
  }

  private async createJobDir(job: Job): Promise<void> {
    const name = dirName(job.id);
    const dir = join(this.byId, name);
    await unless(["EEXIST"], () => fs.mkdir(dir), undefined);
    if (this.write.fsync) await syncDir(this.byId);
    const existing = await this.current(name);
    if (existing?.job) throw new Error(`job id ${job.id} is already taken`);
    if (existing) await this.removeJobDir(name).then(() => fs.mkdir(dir));
    const tmp = await writeTmp(this.tmpDir, JSON.stringify(job), this.write);
    if (!(await linkExclusive(tmp, join(dir, `${job.version}.json`), this.write))) {
      throw new Error(`job id ${job.id} is already taken`);
    }
  }

  private async removeJobDir(name: string): Promise<void> {
    this.cache.delete(name);
    await fs.rm(join(this.byId, name), { recursive: true, force: true });
  }

  /** Drops superseded versions, oldest first, keeping the newest few. */
  private async prune(name: string, newest: number): Promise<void> {
    const dir = join(this.byId, name);
    const names = await unless(["ENOENT"], () => fs.readdir(dir), [] as string[]);
    const stale = versionsOf(names)
      .filter((v) => v <= newest - KEEP_VERSIONS)
      .reverse();
    for (const v of stale) await fs.rm(join(dir, `${v}.json`), { force: true });
  }

  /** The job a token file names, if that job exists and really carries the token. */
  private async tokenHolder(tokenFile: string, tenant: Tenant, token: string): Promise<Job | undefined> {
    const id = await unless(["ENOENT"], () => fs.readFile(tokenFile, "utf8"), undefined);
    if (id === undefined) return undefined;
    const job = (await this.current(dirName(id)))?.job;
    return job && job.id === id && sameTenant(job.tenant, tenant) && job.clientRequestToken === token ? job : undefined;
  }

  /**
   * A token file whose job does not exist: an insert in another process still under way (wait a
   * little) or one that died half-way (remove the file, so that the next claim can succeed).
   */
  private async releaseOrphanToken(tokenFile: string): Promise<void> {
    const stat = await unless(["ENOENT"], () => fs.stat(tokenFile), undefined);
    if (!stat) return;
    if (Date.now() - stat.mtimeMs < TOKEN_GRACE_MS) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      return;
    }
    await fs.rm(tokenFile, { force: true });
  }
}

/** Runs a store call; a process out of file descriptors answers "unavailable, try again", not an internal error. */
async function available<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (outOfDescriptors(e)) throw new StoreUnavailableError("The job store is out of file descriptors; try again", { cause: e });
    throw e;
  }
}

/** Version numbers found in a job directory, newest first. */
function versionsOf(names: readonly string[]): number[] {
  return names
    .map((n) => VERSION_FILE.exec(n)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
}

/**
 * A job id as a directory name: ids that are plainly safe on every file system (lowercase, so a
 * case-insensitive one cannot merge two) are kept as they are for readability; any other is hashed.
 */
function dirName(id: string): string {
  return /^[a-z0-9][a-z0-9_-]{0,127}$/.test(id) ? id : `~${sha256(id).slice(0, 48)}`;
}

function tokenName(tenant: Tenant, token: string): string {
  return sha256(`${tenantKey(tenant)}\u0000${token}`);
}

function sha256(s: string): string {
  return createHash("sha256").update(s, "utf8").digest("hex");
}
