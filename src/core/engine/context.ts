import type { JobService } from "../jobs/job-service.js";
import type { Job } from "../model/job.js";
import type { Clock, FunctionInvoker, ObjectStore, WorkLeaseStore } from "../ports.js";
import type { Activity } from "./activity.js";
import type { FailureThreshold } from "./failures.js";
import type { JobRun } from "./job-run.js";
import type { ReportLayout } from "./report-layouts.js";
import type { ReportWriter } from "./report-writer.js";
import type { Retrier } from "./retries.js";

/** What the engine's parts (scheduler, unit runner, job steps) share: its settings and its hub. */
export interface EngineContext {
  readonly jobs: JobService;
  readonly leases: WorkLeaseStore;
  readonly clock: Clock;
  readonly owner: string;
  readonly leaseMs: number;
  readonly unitSize: number;
  /** Units claimed at a time by one run. */
  readonly claimBatch: number;
  /** The object store as given (executors retry whole tasks) and behind retries (manifests, reports). */
  readonly raw: ObjectStore;
  readonly objects: ObjectStore;
  readonly functions: FunctionInvoker | undefined;
  readonly retrier: Retrier;
  readonly report: ReportWriter;
  readonly concurrency: number;
  readonly perJob: number;
  readonly threshold: FailureThreshold;
  readonly checkpointEvery: number;
  readonly checkpointIntervalMs: number;
  readonly progressIntervalMs: number;
  readonly batchSize: number;
  /** A run may hold this many finished, not yet recorded tasks before it stops dispatching. */
  readonly maxPending: number;
  readonly activity: Activity;
  readonly runs: Map<string, JobRun>;

  /** stop() was called: start nothing new. */
  halted(): boolean;
  /** A store call retried until it succeeds (see `persist`). */
  persist<T>(call: () => Promise<T>, jobId?: string): Promise<T>;
  fault(error: unknown, jobId?: string): void;
  /** Reads the job and takes the step its status calls for. */
  drive(run: JobRun): void;
  /** Fills free task slots. */
  pump(): void;
  /** Forgets a run (its manifest closed, its timers cleared). */
  drop(run: JobRun): void;
  layoutFor(job: Job): ReportLayout;
}
