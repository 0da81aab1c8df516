import { ManualClock } from "../core/clock.js";
import { Engine, type EngineOptions } from "../core/engine/engine.js";
import { SequentialIds } from "../core/ids.js";
import { JobService } from "../core/jobs/job-service.js";
import type { LifecyclePolicy } from "../core/jobs/policy.js";
import type { Tenant } from "../core/model/common.js";
import type { CreateJobInput, Job } from "../core/model/job.js";
import { MemoryJobStore } from "../stores/memory-job-store.js";
import { MemoryObjectStore } from "../stores/memory-object-store.js";
import { FaultInjectingStore } from "./fault-injecting-store.js";
import { readReport } from "./report.js";
import { defaultDialects } from "../server/default-dialects.js";
import type { HandlerOptions } from "../server/dispatcher.js";
import { createSdkHandler, type SdkHandlerConfig } from "./sdk-handler.js";

export interface TestBedOptions {
  /** Where the ManualClock starts (default 2026-01-01T00:00:00Z). */
  start?: number | Date;
  policies?: readonly LifecyclePolicy[];
  tenant?: Tenant;
  /** Engine options besides jobs, objects and clock. */
  engine?: Omit<EngineOptions, "jobs" | "objects" | "clock">;
  /** Seed of the fault-injecting store's random fractions. */
  seed?: number;
}

/**
 * Everything a test of batch jobs needs, wired together and deterministic: a ManualClock,
 * sequential ids, in-memory job and object stores, a fault-injecting wrapper over the object
 * store (the engine goes through it) and an engine.
 */
export function createTestBed(options: TestBedOptions = {}) {
  const clock = new ManualClock(options.start);
  const ids = new SequentialIds();
  const jobStore = new MemoryJobStore();
  const jobs = new JobService({ store: jobStore, clock, ids, policies: options.policies });
  const objects = new MemoryObjectStore({ clock });
  const faults = new FaultInjectingStore(objects, { seed: options.seed });
  const engine = new Engine({ ...options.engine, jobs, objects: faults, clock });
  const tenant: Tenant = options.tenant ?? { dialect: "default", account: "123456789012", region: "us-east-1" };
  return {
    clock,
    ids,
    jobStore,
    jobs,
    objects,
    faults,
    engine,
    tenant,
    runUntilIdle: () => engine.runUntilIdle(),
    createJob: async (input: CreateJobInput): Promise<Job> => (await jobs.createJob(tenant, input)).job,
    describe: (id: string): Promise<Job> => jobs.describeJob(tenant, id),
    readReport: (job: Pick<Job, "id" | "report">) => readReport(objects, job),
    whenJob: (id: string, predicate: (job: Job) => boolean) => whenJob(jobs, id, predicate),
    /**
     * An AWS SDK v3 `requestHandler` that answers in this process, with no port: every dialect
     * `batchplane serve` mounts, over this bed's jobs and its object store as it is (the
     * fault-injecting wrapper stays the engine's). `options` override the fetch handler's.
     */
    sdkHandler: (options: Partial<HandlerOptions> = {}, config?: SdkHandlerConfig) =>
      createSdkHandler({ jobs, objects, dialects: defaultDialects(objects), ...options }, config),
  };
}

export type TestBed = ReturnType<typeof createTestBed>;

/** Runs every job as far as it can go (see Engine.runUntilIdle). */
export function runUntilIdle(engine: Engine): Promise<void> {
  return engine.runUntilIdle();
}

/**
 * Resolves with the job once a write makes `predicate` true (or at once when it holds already):
 * to catch a job mid-run without sleeping.
 */
export async function whenJob(jobs: JobService, id: string, predicate: (job: Job) => boolean): Promise<Job> {
  let settle: (job: Job) => void = () => undefined;
  const seen = new Promise<Job>((resolve) => (settle = resolve));
  const unsubscribe = jobs.subscribe((job) => {
    if (job.id === id && predicate(job)) settle(job);
  });
  try {
    const now = await jobs.get(id);
    if (now && predicate(now)) return now;
    return await seen;
  } finally {
    unsubscribe();
  }
}
