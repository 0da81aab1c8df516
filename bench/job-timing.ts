/**
 * Timing a job from Ready to Complete, shared by the benchmarks: wall clock and this process's
 * CPU time (on a shared machine the steadier of the two), read through the JobService's change feed.
 */
import { figure } from "./verdict.js";
import { Engine, JobService, MemoryJobStore, type Job, type ObjectStore } from "../src/index.js";

export interface Timing {
  ms: number;
  /** CPU time of this process, ms. */
  cpu: number;
}

export const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/** Times Ready → Complete (wall clock and CPU) through the JobService's change feed. */
export function timer(jobs: JobService): () => Timing & { job: Job } {
  let ready = 0;
  let cpuAtReady = process.cpuUsage();
  let timing: Timing = { ms: 0, cpu: 0 };
  let final: Job | undefined;
  jobs.subscribe((job, change) => {
    if (change.type !== "status") return;
    if (change.to === "Ready") {
      ready = performance.now();
      cpuAtReady = process.cpuUsage();
    }
    if (change.to === "Complete" || change.to === "Failed" || change.to === "Cancelled") {
      timing = { ms: performance.now() - ready, cpu: cpuMs(cpuAtReady) };
      final = job;
    }
  });
  return () => ({ ...timing, job: final! });
}

/**
 * A PutObjectTagging job over `objects` (a job store in memory, no report), run to its end by an
 * engine of `concurrency`; throws unless every one of `tasks` tasks succeeded.
 */
export async function tagJob(
  objects: ObjectStore,
  o: { token: string; manifest: { bucket: string; key: string; etag: string }; tasks: number; concurrency: number },
): Promise<Timing> {
  const jobs = new JobService({ store: new MemoryJobStore() });
  const elapsed = timer(jobs);
  await jobs.createJob(
    { dialect: "default", account: "123456789012", region: "us-east-1" },
    {
      clientRequestToken: o.token,
      priority: 10,
      confirmationRequired: false,
      role: "bench",
      operation: { type: "putTagging", tags: [{ key: "token", value: o.token }] },
      manifest: { location: o.manifest, format: "csv", fields: ["bucket", "key"] },
      report: { enabled: false },
    },
  );
  await new Engine({ jobs, objects, concurrency: o.concurrency }).runUntilIdle();
  const { job, ...timing } = elapsed();
  if (job?.status !== "Complete" || job.progress.succeeded !== o.tasks) {
    throw new Error(`the ${o.token} job ended ${job?.status} with ${job?.progress.succeeded} of ${o.tasks} tasks succeeded`);
  }
  return timing;
}

/**
 * The figure "job against its bare calls": the job's tasks per second over the bare loop's calls
 * per second, round by round, with both rates and this process's CPU µs a task in the note.
 */
export function jobVersusBare(name: string, atLeast: number, tasks: number, r: { job: Timing[]; bare: Timing[] }, what: string): void {
  const rate = (t: Timing) => tasks / (t.ms / 1000);
  const each = (xs: Timing[], f: (t: Timing) => number) => xs.map((t) => f(t).toFixed(0)).join("/");
  const cpu = (t: Timing) => (t.cpu * 1000) / tasks;
  figure(name, r.job.map((t, i) => rate(t) / rate(r.bare[i]!)), {
    atLeast,
    note: `${tasks} ${what}; per second: job ${each(r.job, rate)}, bare ${each(r.bare, rate)}; CPU us per task here: job ${each(r.job, cpu)}, bare ${each(r.bare, cpu)}`,
  });
}
