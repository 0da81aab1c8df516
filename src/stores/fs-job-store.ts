import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { sameTenant, tenantKey, type Tenant } from "../core/model/common.js";
import type { Job, JobStatus } from "../core/model/index.js";
import type { InsertResult, JobListQuery, JobStore } from "../core/ports.js";
import { errno, linkExclusive, readJson, sweepTmp, syncDir, unless, writeTmp, type WriteOptions } from "./fs/files.js";
import { KeyedMutex } from "./fs/keyed-mutex.js";
import { scanJobs, selectJobs } from "./memory-job-store.js";

export interface FsJobStoreOptions {
  /** The data directory; jobs live under `<dir>/.batchplane/jobs/`. */
  dir: string;
  /**
   * Flush every job write to the device before answering (default true): a job survives a power
   * loss, not only the death of the process. Without it a write is still atomic.
   */
  fsync?: boolean;
}

/** How many superseded versions of a job stay on disk (see `replace`). */
const KEEP_VERSIONS = 4;
/** A token file younger than this whose job is missing may belong to an insert still under way. */
const TOKEN_GRACE_MS = 2_000;
const VERSION_FILE = /^(\d+)\.json$/;

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
  private readonly cache = new Map<string, { version: number; job: Job }>();
  private ready?: Promise<void>;

  constructor(options: FsJobStoreOptions | string) {
    const { dir, fsync = true } = typeof options === "string" ? { dir: options } : options;
    this.dir = dir;
    const root = join(dir, ".batchplane");
    this.byId = join(root, "jobs", "by-id");
    this.byToken = join(root, "jobs", "by-token");
    this.tmpDir = join(root, "tmp");
    this.write = { fsync };
  }

  async insert(job: Job): Promise<InsertResult> {
    await this.open();
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
      return { inserted: true };
    });
  }

  async get(id: string): Promise<Job | undefined> {
    await this.open();
    const current = await this.current(dirName(id));
    return current?.job && current.job.id === id ? structuredClone(current.job) : undefined;
  }

  async findByToken(tenant: Tenant, clientRequestToken: string): Promise<Job | undefined> {
    await this.open();
    const holder = await this.tokenHolder(join(this.byToken, tokenName(tenant, clientRequestToken)), tenant, clientRequestToken);
    return holder && structuredClone(holder);
  }

  async replace(job: Job, expectedVersion: number): Promise<boolean> {
    if (job.version !== expectedVersion + 1) return false;
    await this.open();
    const name = dirName(job.id);
    return this.locks.run(`id:${job.id}`, async () => {
      if (!(await this.claim(name, job.id, expectedVersion, job))) return false;
      this.cache.set(name, { version: job.version, job: structuredClone(job) });
      await this.prune(name, job.version);
      return true;
    });
  }

  async delete(id: string, expectedVersion: number): Promise<boolean> {
    await this.open();
    const name = dirName(id);
    return this.locks.run(`id:${id}`, async () => {
      const current = await this.current(name);
      if (!current?.job || current.job.id !== id) return false;
      const tombstone: Tombstone = { deleted: true, id };
      if (!(await this.claim(name, id, expectedVersion, tombstone))) return false;
      const tokenFile = join(this.byToken, tokenName(current.job.tenant, current.job.clientRequestToken));
      if ((await unless(["ENOENT"], () => fs.readFile(tokenFile, "utf8"), undefined)) === id) await fs.rm(tokenFile, { force: true });
      await this.removeJobDir(name);
      return true;
    });
  }

  async list(query: JobListQuery): Promise<Job[]> {
    return selectJobs(await this.all(), query);
  }

  async scan(statuses: readonly JobStatus[]): Promise<Job[]> {
    return scanJobs(await this.all(), statuses);
  }

  // ------------------------------------------------------------------ internals

  private open(): Promise<void> {
    this.ready ??= (async () => {
      for (const dir of [this.byId, this.byToken, this.tmpDir]) await fs.mkdir(dir, { recursive: true });
      await sweepTmp(this.tmpDir);
    })();
    return this.ready;
  }

  /** Every job, read with bounded concurrency; finishes removing jobs a dead process was deleting. */
  private async all(): Promise<Job[]> {
    await this.open();
    const names = await fs.readdir(this.byId);
    const jobs: Job[] = [];
    for (let i = 0; i < names.length; i += 64) {
      const batch = await Promise.all(names.slice(i, i + 64).map(async (name) => [name, await this.current(name)] as const));
      for (const [name, current] of batch) {
        if (current?.job) jobs.push(current.job);
        else if (current) await this.locks.run(`id:${current.id}`, () => this.removeJobDir(name));
      }
    }
    return jobs;
  }

  /** The newest complete version of a job directory. */
  private async current(name: string): Promise<Current | undefined> {
    const dir = join(this.byId, name);
    for (let attempt = 0; ; attempt++) {
      const names = await unless(["ENOENT", "ENOTDIR"], () => fs.readdir(dir), undefined);
      const newest = names && versionsOf(names)[0];
      if (newest === undefined) return undefined;
      const cached = this.cache.get(name);
      if (cached?.version === newest) return { ...cached, id: cached.job.id };
      const content = await readJson<Job | Tombstone>(join(dir, `${newest}.json`));
      if (content === undefined) {
        // Pruned or deleted between the listing and the read: list again.
        if (attempt < 5) continue;
        return undefined;
      }
      if ("deleted" in content && content.deleted === true) return { version: newest, id: content.id };
      const job = content as Job;
      this.cache.set(name, { version: newest, job });
      return { version: newest, id: job.id, job };
    }
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
      return await linkExclusive(tmp, join(this.byId, name, `${expected + 1}.json`), this.write);
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
