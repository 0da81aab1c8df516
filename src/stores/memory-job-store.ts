import { tenantKey, type Tenant } from "../core/model/common.js";
import type { Job, JobStatus } from "../core/model/index.js";
import type { InsertResult, JobListQuery, JobStore } from "../core/ports.js";
import { copyJson } from "./json-copy.js";

/**
 * Jobs in a Map. Every job crosses the boundary as a copy, as it would through a database, so a
 * caller holding a job can never change the stored one by accident. Jobs are JSON-safe (as the
 * filesystem store requires) and each is kept as it reads back from JSON: `get`, on every
 * request's path, copies that with copyJson, faster than parsing its text or a structuredClone.
 */
export class MemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly tokens = new Map<string, string>();

  async insert(job: Job): Promise<InsertResult> {
    const tokenKey = this.tokenKey(job.tenant, job.clientRequestToken);
    const existingId = this.tokens.get(tokenKey);
    const existing = existingId === undefined ? undefined : this.jobs.get(existingId);
    if (existing) return { inserted: false, existing: structuredClone(existing) };
    if (this.jobs.has(job.id)) throw new Error(`job id ${job.id} is already taken`);
    this.keep(job);
    this.tokens.set(tokenKey, job.id);
    return { inserted: true };
  }

  async get(id: string): Promise<Job | undefined> {
    const job = this.jobs.get(id);
    return job === undefined ? undefined : copyJson(job);
  }

  async findByToken(tenant: Tenant, clientRequestToken: string): Promise<Job | undefined> {
    const id = this.tokens.get(this.tokenKey(tenant, clientRequestToken));
    return id === undefined ? undefined : this.get(id);
  }

  async replace(job: Job, expectedVersion: number): Promise<boolean> {
    const current = this.jobs.get(job.id);
    if (!current || current.version !== expectedVersion || job.version !== expectedVersion + 1) return false;
    this.keep(job);
    return true;
  }

  async delete(id: string, expectedVersion: number): Promise<boolean> {
    const current = this.jobs.get(id);
    if (!current || current.version !== expectedVersion) return false;
    this.jobs.delete(id);
    this.tokens.delete(this.tokenKey(current.tenant, current.clientRequestToken));
    return true;
  }

  async list(query: JobListQuery): Promise<Job[]> {
    return selectJobs(this.jobs.values(), query);
  }

  async scan(statuses: readonly JobStatus[]): Promise<Job[]> {
    return scanJobs(this.jobs.values(), statuses);
  }

  private keep(job: Job): void {
    this.jobs.set(job.id, JSON.parse(JSON.stringify(job)) as Job);
  }

  private tokenKey(tenant: Tenant, token: string): string {
    return `${tenantKey(tenant)}\u0000${token}`;
  }
}

/** Sort order of listings: newest creationTime first, ties broken by id, descending. */
export function newestFirst(a: { creationTime: number; id: string }, b: { creationTime: number; id: string }): number {
  if (a.creationTime !== b.creationTime) return b.creationTime - a.creationTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** A list query over a set of jobs: the one tenant's, in the statuses asked, after the cursor, newest first (copies). */
export function selectJobs(jobs: Iterable<Job>, query: JobListQuery): Job[] {
  const key = tenantKey(query.tenant);
  const statuses = query.statuses && query.statuses.length > 0 ? new Set<JobStatus>(query.statuses) : undefined;
  const after = query.after;
  return [...jobs]
    .filter((j) => tenantKey(j.tenant) === key && (!statuses || statuses.has(j.status)))
    .filter((j) => !after || newestFirst(j, after) > 0)
    .sort(newestFirst)
    .slice(0, query.limit)
    .map((j) => structuredClone(j));
}

/** Every job in the given statuses (copies). */
export function scanJobs(jobs: Iterable<Job>, statuses: readonly JobStatus[]): Job[] {
  const wanted = new Set(statuses);
  return [...jobs].filter((j) => wanted.has(j.status)).map((j) => structuredClone(j));
}
