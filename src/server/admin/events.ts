import type { JobChange, JobService } from "../../core/jobs/job-service.js";
import type { Job } from "../../core/model/job.js";
import { jobSummary, type JobSummary } from "./views.js";

/** One Server-Sent Event of `GET /_batchplane/api/events` (`event: job`, `data:` this as JSON). */
export interface JobEvent {
  /** created, status (with from), priority, progress (at most once a second a job), deleted. */
  change: "created" | "status" | "priority" | "progress" | "deleted";
  from?: string;
  job: JobSummary;
}

export interface EventStreamOptions {
  /** Progress of one job is sent at most this often (default 1 s); the latest always arrives. */
  progressIntervalMs?: number;
  /** A comment line this often keeps proxies from closing an idle stream (default 15 s). */
  keepAliveMs?: number;
  now?: () => number;
  /** Ends the stream (a server shutting down): clients see it close instead of hanging on. */
  signal?: AbortSignal;
}

const encoder = new TextEncoder();

function eventOf(job: Job, change: JobChange, now: number): JobEvent {
  const summary = jobSummary(job, now);
  switch (change.type) {
    case "status":
      return { change: "status", from: change.from, job: summary };
    case "updated":
      return { change: "progress", job: summary };
    default:
      return { change: change.type, job: summary };
  }
}

/**
 * The job changes of `jobs` that pass `filter`, as a text/event-stream body. Status, creation,
 * priority and deletion are sent as they happen; progress writes are coalesced per job so that a
 * client sees each job move at most once per interval, and never misses the last value.
 */
export function jobEventStream(jobs: JobService, filter: (job: Job) => boolean, options: EventStreamOptions = {}): ReadableStream<Uint8Array> {
  const interval = options.progressIntervalMs ?? 1_000;
  const now = options.now ?? Date.now;
  const lastSent = new Map<string, number>();
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  let seq = 0;
  let stop = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop();
        }
      };
      const send = (event: JobEvent) => {
        const timer = pending.get(event.job.id);
        if (timer !== undefined) clearTimeout(timer);
        pending.delete(event.job.id);
        lastSent.set(event.job.id, now());
        write(`id: ${++seq}\nevent: job\ndata: ${JSON.stringify(event)}\n\n`);
        if (event.change === "deleted" || event.job.terminatedAt !== null) lastSent.delete(event.job.id);
      };
      const unsubscribe = jobs.subscribe((job, change) => {
        if (!filter(job)) return;
        const event = eventOf(job, change, now());
        if (event.change !== "progress") return send(event);
        const wait = (lastSent.get(job.id) ?? -Infinity) + interval - now();
        if (wait <= 0) return send(event);
        // The newest progress replaces any still waiting.
        const waiting = pending.get(job.id);
        if (waiting !== undefined) clearTimeout(waiting);
        pending.set(job.id, setTimeout(() => send(eventOf(job, change, now())), wait));
      });
      const keepAlive = setInterval(() => write(": keep-alive\n\n"), options.keepAliveMs ?? 15_000);
      stop = () => {
        unsubscribe();
        clearInterval(keepAlive);
        for (const t of pending.values()) clearTimeout(t);
        pending.clear();
        options.signal?.removeEventListener("abort", end);
      };
      const end = () => {
        stop();
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      if (options.signal?.aborted) return end();
      options.signal?.addEventListener("abort", end, { once: true });
      // Sent at once, so a client knows the stream is open before any job moves.
      write(": batchplane job events\nretry: 2000\n\n");
    },
    cancel() {
      stop();
    },
  });
}
