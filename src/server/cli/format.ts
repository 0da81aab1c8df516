import type { JobSummary, ProgressView } from "../admin/views.js";

export const TERMINAL = new Set(["Complete", "Failed", "Cancelled"]);

export function done(p: ProgressView): number {
  return (p.succeeded ?? 0) + (p.failed ?? 0);
}

/** "3/10 (30%)", or "-" before the manifest is counted. */
export function progressText(p: ProgressView): string {
  if (p.total === null) return "-";
  const pct = p.total === 0 ? 100 : Math.floor((done(p) * 100) / p.total);
  return `${done(p)}/${p.total} (${pct}%)`;
}

/** Tasks a second over the job's active time, once it has run for a second. */
export function rate(p: ProgressView): number | undefined {
  return p.elapsedActiveSeconds > 0 ? done(p) / p.elapsedActiveSeconds : undefined;
}

export function seconds(s: number): string {
  if (!Number.isFinite(s)) return "-";
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  if (t < 3600) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, "0")}s`;
  return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, "0")}m`;
}

export function eta(p: ProgressView): string {
  const r = rate(p);
  if (p.total === null || r === undefined || r === 0) return "-";
  return seconds((p.total - done(p)) / r);
}

/** One plain progress line of `jobs watch` off a terminal. */
export function progressLine(job: JobSummary): string {
  const p = job.progress;
  const r = rate(p);
  if (p.total === null) return `${job.id} ${job.status}`;
  return `${job.id} ${job.status} ${done(p)}/${p.total} tasks (${p.succeeded ?? 0} succeeded, ${p.failed ?? 0} failed), ${r === undefined ? "-" : r.toFixed(1)} tasks/s, ETA ${eta(p)}`;
}
