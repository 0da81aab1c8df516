import type { z } from "zod";
import { systemClock } from "../clock.js";
import {
  ActionNotAllowedError,
  ConcurrentUpdateError,
  IdempotencyConflictError,
  InvalidArgumentError,
  InvalidTransitionError,
  JobNotFoundError,
  TooManyTagsError,
} from "../errors.js";
import { randomIds } from "../ids.js";
import { KeyedMutex } from "../keyed-mutex.js";
import { MAX_PRIORITY, sameTenant, tagSchema, type Tag, type Tenant } from "../model/common.js";
import { createJobInputSchema, MAX_JOB_TAGS, type CreateJobInput, type Job } from "../model/job.js";
import { isJobStatus, isTerminal, REQUESTABLE_STATUSES, type JobStatus, type RequestedStatus } from "../model/status.js";
import type { Clock, IdSource, JobListing, JobStore } from "../ports.js";
import { digest } from "./digest.js";
import { DEFAULT_POLICY, requestTarget, type LifecyclePolicy } from "./policy.js";
import { enterStatus } from "./status-change.js";
import { engineTarget, TRANSITIONS, type EngineEvent } from "./transitions.js";

export const MAX_PAGE_SIZE = 1000;
export const MAX_STATUS_REASON = 256;
/** The longest wait between two compare-and-set attempts on one job. */
const WRITE_BACKOFF_MAX_MS = 250;
/** How many jobs' last-told versions a JobService over a shared store remembers. */
const SEEN_LIMIT = 50_000;

export interface JobServiceOptions {
  store: JobStore;
  clock?: Clock;
  ids?: IdSource;
  /** One policy per dialect name; jobs of an unknown dialect follow DEFAULT_POLICY. */
  policies?: readonly LifecyclePolicy[];
  /** How many times a write is retried when another writer changed the job first. */
  maxWriteAttempts?: number;
}

export interface ListJobsRequest {
  statuses?: readonly string[];
  /** 1..1000; default 1000. */
  maxResults?: number;
  nextToken?: string;
}

export interface ListJobsResult {
  /** What ListJobs shows of each job (a store may give whole jobs). */
  jobs: JobListing[];
  /** Present only when more jobs remain: the id of the last job on this page. */
  nextToken?: string;
}

export interface CreateJobResult {
  job: Job;
  /** False when the clientRequestToken named an existing job with the same request. */
  created: boolean;
}

/**
 * Why a job changed, for listeners such as the engine. A job changed through another process
 * (the store's `watch` feed) comes as the change seen from here: `created` when this service had
 * not seen the job before.
 */
export type JobChange =
  | { type: "created" }
  | { type: "status"; from: JobStatus; to: JobStatus }
  | { type: "priority" }
  | { type: "updated" }
  | { type: "deleted" };

export type JobListener = (job: Job, change: JobChange) => void;

/** A mutation of a draft copy; returning false leaves the job unwritten. */
type Mutation = (draft: Job, now: number) => void | false;

/**
 * The job control plane in provider-neutral terms. Dialects translate wire requests into these
 * calls; the engine moves jobs through their lifecycle with `advance` and `update`.
 */
export class JobService {
  readonly store: JobStore;
  readonly clock: Clock;
  readonly ids: IdSource;
  private readonly policies = new Map<string, LifecyclePolicy>();
  private readonly listeners = new Set<JobListener>();
  private readonly maxWriteAttempts: number;
  /** Writes to one job in this process, one at a time in arrival order (see `serialised`). */
  private readonly writes = new KeyedMutex();
  /** While the store's change feed is on: what listeners were last told of each job (bounded). */
  private readonly seen = new Map<string, { version: number; status: JobStatus; priority: number }>();
  private unwatch: (() => void) | undefined;

  constructor(options: JobServiceOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? randomIds;
    this.maxWriteAttempts = options.maxWriteAttempts ?? 16;
    for (const p of options.policies ?? []) this.policies.set(p.name, p);
  }

  policyFor(dialect: string): LifecyclePolicy {
    return this.policies.get(dialect) ?? DEFAULT_POLICY;
  }

  registerPolicy(policy: LifecyclePolicy): void {
    this.policies.set(policy.name, policy);
  }

  /**
   * Calls `listener` after every write; returns the function that unsubscribes it. Over a store
   * with a change feed (`JobStore.watch`), also after every write by another process, with the
   * job as read again; each version of a job reaches the listeners once.
   */
  subscribe(listener: JobListener): () => void {
    this.listeners.add(listener);
    this.unwatch ??= this.store.watch?.((id) => void this.external(id));
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0) return;
      this.unwatch?.();
      this.unwatch = undefined;
      this.seen.clear();
    };
  }

  // ------------------------------------------------------------------ user operations

  async createJob(tenant: Tenant, input: CreateJobInput): Promise<CreateJobResult> {
    const valid = parseOrThrow(createJobInputSchema, input);
    checkTags(valid.tags ?? []);
    const requestDigest = digest({ ...valid, clientRequestToken: undefined, tags: valid.tags ?? [] });

    const prior = await this.visible(await this.store.findByToken(tenant, valid.clientRequestToken));
    if (prior) return this.sameRequestOrConflict(prior, requestDigest);

    const policy = this.policyFor(tenant.dialect);
    const now = this.clock.now();
    const job: Job = {
      id: policy.jobId(this.ids.uuid()),
      tenant: { ...tenant },
      status: "New",
      priority: valid.priority,
      description: valid.description,
      confirmationRequired: valid.confirmationRequired,
      clientRequestToken: valid.clientRequestToken,
      requestDigest,
      role: valid.role,
      operation: valid.operation,
      manifest: valid.manifest,
      generator: valid.generator,
      report: valid.report,
      progress: { total: null, succeeded: null, failed: null, activeMs: 0, activeSince: null },
      failureReasons: [],
      creationTime: now,
      tags: valid.tags ?? [],
      dialectData: valid.dialectData,
      version: 1,
    };
    dropUndefined(job);
    const result = await this.store.insert(job);
    if (!result.inserted) return this.sameRequestOrConflict(result.existing, requestDigest);
    this.emit(job, { type: "created" });
    return { job, created: true };
  }

  async describeJob(tenant: Tenant, id: string): Promise<Job> {
    return this.load(tenant, id);
  }

  async listJobs(tenant: Tenant, request: ListJobsRequest = {}): Promise<ListJobsResult> {
    const limit = request.maxResults ?? MAX_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new InvalidArgumentError("maxResults", `must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${limit}`);
    }
    const statuses = (request.statuses ?? []).map((s) => {
      if (!isJobStatus(s)) throw new InvalidArgumentError("jobStatuses", `unknown job status "${s}"`);
      return s;
    });
    let after: { creationTime: number; id: string } | undefined;
    if (request.nextToken !== undefined) {
      const anchor = await this.store.get(request.nextToken);
      if (!anchor || !sameTenant(anchor.tenant, tenant)) {
        throw new InvalidArgumentError("nextToken", "the pagination token is not valid");
      }
      after = { creationTime: anchor.creationTime, id: anchor.id };
    }

    // Expired jobs are dropped while reading, so keep fetching until the page is full.
    const page: JobListing[] = [];
    let exhausted = false;
    while (page.length <= limit && !exhausted) {
      const want = limit + 1 - page.length;
      const batch = await this.store.list({ tenant, statuses, after, limit: want });
      exhausted = batch.length < want;
      for (const stored of batch) {
        after = { creationTime: stored.creationTime, id: stored.id };
        const job = await this.visibleListing(stored);
        if (job && (statuses.length === 0 || statuses.includes(job.status))) page.push(job);
      }
    }
    const jobs = page.slice(0, limit);
    const more = page.length > limit;
    return more ? { jobs, nextToken: jobs[jobs.length - 1]!.id } : { jobs };
  }

  async updateJobPriority(tenant: Tenant, id: string, priority: number): Promise<Job> {
    if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) {
      throw new InvalidArgumentError("priority", `must be an integer from 0 to ${MAX_PRIORITY}, got ${priority}`);
    }
    await this.load(tenant, id);
    return this.mutate(id, { type: "priority" }, (job) => {
      if (isTerminal(job.status) && !this.policyFor(job.tenant.dialect).priorityChangeableWhenFinished) {
        throw new ActionNotAllowedError(job.id, job.status, "updatePriority");
      }
      if (job.priority === priority) return false;
      job.priority = priority;
    });
  }

  async updateJobStatus(tenant: Tenant, id: string, requested: string, reason?: string): Promise<Job> {
    if (!isRequestable(requested)) {
      throw new InvalidArgumentError("requestedJobStatus", `must be Ready or Cancelled, got "${requested}"`);
    }
    if (reason !== undefined && reason.length > MAX_STATUS_REASON) {
      throw new InvalidArgumentError("statusUpdateReason", `must be at most ${MAX_STATUS_REASON} characters`);
    }
    await this.load(tenant, id);
    return this.mutate(id, undefined, (job, now) => {
      const to = requestTarget(this.policyFor(job.tenant.dialect), job.status, requested);
      if (!to) throw new InvalidTransitionError(job.id, job.status, requested);
      enterStatus(job, to, now);
      job.statusUpdateReason = reason;
      if (reason === undefined) delete job.statusUpdateReason;
    });
  }

  async getJobTags(tenant: Tenant, id: string): Promise<Tag[]> {
    return (await this.load(tenant, id)).tags;
  }

  /** Replaces the whole tag set; an empty list removes every tag. */
  async putJobTags(tenant: Tenant, id: string, tags: Tag[]): Promise<Job> {
    const valid = parseOrThrow(tagSchema.array(), tags, "tags");
    checkTags(valid);
    await this.load(tenant, id);
    return this.mutate(id, { type: "updated" }, (job) => {
      job.tags = valid;
    });
  }

  async deleteJobTags(tenant: Tenant, id: string): Promise<Job> {
    return this.putJobTags(tenant, id, []);
  }

  /** Removes a finished job's record (and frees its clientRequestToken). */
  async deleteJob(tenant: Tenant, id: string): Promise<void> {
    // The time rules first, outside the line of writes: applying them may itself write.
    await this.load(tenant, id);
    await this.serialised(id, async () => {
      const job = await this.store.get(id);
      if (!job || !sameTenant(job.tenant, tenant)) throw new JobNotFoundError(id);
      if (!isTerminal(job.status)) throw new ActionNotAllowedError(job.id, job.status, "delete");
      if (!(await this.store.delete(job.id, job.version))) return false;
      this.emit(job, { type: "deleted" });
      return true;
    });
  }

  // ------------------------------------------------------------------ engine operations

  /**
   * Applies an engine event to a job, with `patch` written in the same atomic step (counts,
   * failure reasons, ...). Throws InvalidTransitionError when the job's status has moved on
   * (a user cancelled it meanwhile, say): the engine re-reads and decides again. With
   * `onVersion`, a decision made on that version of the job: a job written since is returned
   * as it is, unchanged, to be decided on again.
   */
  async advance(id: string, event: EngineEvent, patch?: (draft: Job, now: number) => void, onVersion?: number): Promise<Job> {
    return this.mutate(id, undefined, (job, now) => {
      if (onVersion !== undefined && job.version !== onVersion) return false;
      const to = engineTarget(job.status, event);
      if (!to) throw new InvalidTransitionError(job.id, job.status, eventTarget(event));
      patch?.(job, now);
      enterStatus(job, to, now);
      // The engine's one way into Suspended is waiting for confirmation; the policy words it.
      if (to === "Suspended") job.suspendedCause = this.policyFor(job.tenant.dialect).suspendedCause;
    });
  }

  /** Writes engine state (counters, checkpoint) without a status change. */
  async update(id: string, mutation: Mutation): Promise<Job> {
    return this.mutate(id, { type: "updated" }, mutation);
  }

  /** Reads a job by id whatever its tenant (engine use). */
  async get(id: string): Promise<Job | undefined> {
    return this.visible(await this.store.get(id));
  }

  /**
   * Applies the time rules to every stored job: finished jobs past their retention disappear,
   * jobs Suspended past their deadline fail. Reads apply the same rules lazily; the engine calls
   * this from a timer so that nothing waits for a reader.
   */
  async sweep(): Promise<{ removed: number; expired: number }> {
    let removed = 0;
    let expired = 0;
    for (const job of await this.store.scan(["Suspended", "Complete", "Cancelled", "Failed"])) {
      const after = await this.visible(job);
      if (!after) removed++;
      else if (after.status !== job.status) expired++;
    }
    return { removed, expired };
  }

  /** The next instant at which `sweep` would change something for this job, if any. */
  deadlineOf(job: Pick<Job, "tenant" | "status" | "suspendedDate" | "terminationDate">): number | undefined {
    const policy = this.policyFor(job.tenant.dialect);
    if (job.status === "Suspended" && job.suspendedDate !== undefined) return job.suspendedDate + policy.suspendedTimeoutMs;
    if (isTerminal(job.status) && job.terminationDate !== undefined) return job.terminationDate + policy.retentionMs;
    return undefined;
  }

  // ------------------------------------------------------------------ internals

  private async load(tenant: Tenant, id: string): Promise<Job> {
    const job = await this.visible(await this.store.get(id));
    if (!job || !sameTenant(job.tenant, tenant)) throw new JobNotFoundError(id);
    return job;
  }

  /** A listed job as a reader may see it now: a listing past a deadline is read whole and the time rules applied. */
  private async visibleListing(listing: JobListing): Promise<JobListing | undefined> {
    const deadline = this.deadlineOf(listing);
    if (deadline === undefined || this.clock.now() < deadline) return listing;
    return this.visible(await this.store.get(listing.id));
  }

  /** The job as a reader may see it now: undefined once retention ran out, Failed once a suspension ran out. */
  private async visible(job: Job | undefined): Promise<Job | undefined> {
    if (!job) return undefined;
    const deadline = this.deadlineOf(job);
    if (deadline === undefined || this.clock.now() < deadline) return job;
    if (isTerminal(job.status)) {
      if (await this.store.delete(job.id, job.version)) this.emit(job, { type: "deleted" });
      return undefined;
    }
    const days = Math.round(this.policyFor(job.tenant.dialect).suspendedTimeoutMs / 86_400_000);
    try {
      return await this.mutate(job.id, undefined, (draft) => {
        if (draft.status !== "Suspended") return false;
        draft.failureReasons.push({
          code: "ConfirmationTimeout",
          reason: `The job was not confirmed within ${days} days of being suspended`,
        });
        // The job failed at its deadline, not when someone happened to look.
        enterStatus(draft, "Failed", deadline);
      });
    } catch (e) {
      if (e instanceof JobNotFoundError) return undefined;
      throw e;
    }
  }

  private sameRequestOrConflict(existing: Job, requestDigest: string): CreateJobResult {
    if (existing.requestDigest !== requestDigest) {
      throw new IdempotencyConflictError(existing.clientRequestToken, existing.id);
    }
    return { job: existing, created: false };
  }

  /** Read, change a copy, compare-and-set; again if another writer got there first. */
  private async mutate(id: string, change: JobChange | undefined, mutation: Mutation): Promise<Job> {
    return this.serialised(id, async () => {
      const current = await this.store.get(id);
      if (!current) throw new JobNotFoundError(id);
      const draft = structuredClone(current);
      if (mutation(draft, this.clock.now()) === false) return current;
      draft.version = current.version + 1;
      if (!(await this.store.replace(draft, current.version))) return false;
      this.emit(
        draft,
        change ?? (draft.status !== current.status ? { type: "status", from: current.status, to: draft.status } : { type: "updated" }),
      );
      return draft;
    });
  }

  /**
   * Runs a compare-and-set `attempt` (false: another writer got there first) until it succeeds.
   * Within this process the writes to one job wait in line, so that they never collide with each
   * other however many arrive at once; a collision can then only be another process sharing the
   * store. A lost compare-and-set means the other write is complete, so the first retry re-reads at
   * once; each later one first waits a random delay of up to 4 ms, 8 ms, 16 ms... (at most 250 ms,
   * on the service's clock) so that processes that keep colliding spread out, until
   * `maxWriteAttempts` ran out.
   */
  private serialised<T>(id: string, attempt: () => Promise<T | false>): Promise<T> {
    return this.writes.run(id, async () => {
      for (let n = 0; n < this.maxWriteAttempts; n++) {
        if (n > 1) {
          const ms = Math.floor(Math.random() * Math.min(WRITE_BACKOFF_MAX_MS, 2 ** n));
          await new Promise<void>((resolve) => this.clock.setTimeout(resolve, ms));
        }
        const result = await attempt();
        if (result !== false) return result;
      }
      throw new ConcurrentUpdateError(id);
    });
  }

  private emit(job: Job, change: JobChange): void {
    if (this.unwatch) {
      const before = this.seen.get(job.id);
      if (change.type !== "deleted" && before && before.version >= job.version) return;
      this.seen.delete(job.id); // re-inserted last, so the least recently told go first
      if (change.type !== "deleted") this.seen.set(job.id, { version: job.version, status: job.status, priority: job.priority });
      if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.keys().next().value!);
    }
    for (const listener of this.listeners) listener(job, change);
  }

  /** A job changed by another process: read it again and tell the listeners what changed since they last heard. */
  private async external(id: string): Promise<void> {
    let job: Job | undefined;
    try {
      job = await this.store.get(id);
    } catch {
      return; // the store is unreachable: its feed re-scans once it is back
    }
    // A deletion elsewhere is not forwarded: only finished jobs are deleted, nothing runs them.
    if (!job) return;
    const before = this.seen.get(id);
    if (before && before.version >= job.version) return;
    const change: JobChange = !before
      ? { type: "created" }
      : before.status !== job.status
        ? { type: "status", from: before.status, to: job.status }
        : before.priority !== job.priority
          ? { type: "priority" }
          : { type: "updated" };
    this.emit(job, change);
  }
}

function isRequestable(status: string): status is RequestedStatus {
  return (REQUESTABLE_STATUSES as readonly string[]).includes(status);
}

/** The status an engine event leads to (the same from every status that allows it). */
function eventTarget(event: EngineEvent): JobStatus {
  return TRANSITIONS.find((t) => t.by === "engine" && t.event === event)!.to;
}

function checkTags(tags: readonly Tag[]): void {
  if (tags.length > MAX_JOB_TAGS) throw new TooManyTagsError(tags.length, MAX_JOB_TAGS);
  const seen = new Set<string>();
  for (const t of tags) {
    if (seen.has(t.key)) throw new InvalidArgumentError("tags", `the tag key "${t.key}" appears more than once`);
    seen.add(t.key);
  }
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root?: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = [root, ...issue.path.map(String)].filter((p) => p !== undefined && p !== "").join(".");
  throw new InvalidArgumentError(path || "request", issue.message);
}

function dropUndefined(o: Record<string, unknown>): void {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
}
