import { Presets, SingleBar } from "cli-progress";
import type { JobSummary, JobView } from "../admin/views.js";
import { AdminError, type AdminClient } from "./admin-client.js";
import { done, eta, progressLine, rate, TERMINAL } from "./format.js";
import { paintStatus, type Output } from "./output.js";

/** `jobs watch` exit codes: a script can tell how the job ended. */
export const WATCH_EXIT = { Complete: 0, Failed: 1, Cancelled: 3 } as const;
/** The server could not be reached again within this many attempts, a second apart. */
const RECONNECTS = 10;

interface View {
  show(job: JobSummary): void;
  end(job: JobView): void;
}

/** A live bar (cli-progress) on a terminal: succeeded, failed, total, tasks/s, ETA. */
function barView(out: Output): View {
  const bar = new SingleBar(
    {
    stream: out.stream,
    format: "{bar} {percentage}% | {done}/{all} tasks | {succeeded} succeeded, {failed} failed | {rate} tasks/s | ETA {etaText} | {status}",
    hideCursor: true,
    clearOnComplete: false,
    barsize: 30,
    },
    Presets.shades_classic,
  );
  let started = false;
  const payload = (job: JobSummary) => {
    const p = job.progress;
    const r = rate(p);
    return { done: done(p), all: p.total ?? "?", succeeded: p.succeeded ?? 0, failed: p.failed ?? 0, rate: r === undefined ? "-" : r.toFixed(1), etaText: eta(p), status: paintStatus(out, job.status) };
  };
  return {
    show(job) {
      const total = Math.max(job.progress.total ?? 1, 1);
      if (!started) {
        bar.start(total, done(job.progress), payload(job));
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(done(job.progress), payload(job));
    },
    end(job) {
      if (started) {
        bar.update(done(job.progress), payload(job));
        bar.stop();
      }
      out.write(outcome(out, job));
    },
  };
}

/** Plain lines, one each time the status or the counts move. */
function lineView(out: Output): View {
  let last = "";
  return {
    show(job) {
      const line = progressLine(job);
      if (line !== last) out.write(`${line}\n`);
      last = line;
    },
    end(job) {
      out.write(outcome(out, job));
    },
  };
}

/** One JSON event a line, the final job last. */
function jsonView(out: Output): View {
  return {
    show: (job) => out.write(`${JSON.stringify({ job })}\n`),
    end: (job) => out.write(`${JSON.stringify({ job })}\n`),
  };
}

export function outcome(out: Output, job: JobView): string {
  const p = job.progress;
  const counts = `${p.total ?? 0} tasks, ${p.succeeded ?? 0} succeeded, ${p.failed ?? 0} failed`;
  const lines = [`Job ${job.id} ${paintStatus(out, job.status)}: ${counts}`];
  for (const f of job.failureReasons) lines.push(`  ${f.code}: ${f.reason}`);
  if (job.status === "Cancelled" && job.statusUpdateReason) lines.push(`  reason: ${job.statusUpdateReason}`);
  // A report is written when a job ends in any way, provided at least one task ran.
  const ran = (p.succeeded ?? 0) + (p.failed ?? 0) > 0;
  if (job.report.location && ran) lines.push(`  report: ${job.report.location.bucket}/${job.report.location.key}`);
  return `${lines.join("\n")}\n`;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows one job to a terminal status over the event stream and returns the exit code. The
 * stream is opened before the job is read, so no change between the two is missed; a stream that
 * drops (a server restarting) is reopened.
 */
export async function watchJob(client: AdminClient, id: string, out: Output, json: boolean): Promise<number> {
  const view = json ? jsonView(out) : out.fancy ? barView(out) : lineView(out);
  let failures = 0;
  for (;;) {
    const abort = new AbortController();
    try {
      const events = await client.events({ job: id }, abort.signal);
      let job: JobSummary = await client.describe(id);
      failures = 0;
      view.show(job);
      if (!TERMINAL.has(job.status)) {
        for await (const event of events) {
          if (event.change === "deleted") throw new AdminError(`job ${id} was deleted`);
          job = event.job;
          view.show(job);
          if (TERMINAL.has(job.status)) break;
        }
      }
      if (TERMINAL.has(job.status)) {
        const final = await client.describe(id);
        view.end(final);
        return WATCH_EXIT[final.status as keyof typeof WATCH_EXIT] ?? 1;
      }
    } catch (e) {
      // An answer of the API (no such job, no token) will not change by asking again.
      if (!(e instanceof AdminError) || e.status !== undefined || ++failures > RECONNECTS) throw e;
    } finally {
      abort.abort();
    }
    await pause(1_000);
  }
}
