/**
 * Every benchmark figure goes through here, so that `npm run bench` ends with one table of verdicts.
 *
 * A figure is a name (quoted verbatim by the README: never rename one), the value of each round,
 * and a target (`≤ x` or `≥ x`, or none for a figure printed for information). Its value is the
 * median round; its verdict is `met` or `missed`; its spread is (max − min) / median of the rounds.
 * A ratio's rounds are measured interleaved (both sides of the ratio in the same round, one after
 * the other), so that a burst of load from elsewhere moves one round, not the verdict.
 *
 * Adding a figure is one line, from any bench file:
 *
 *   import { figure } from "./verdict.js";
 *   figure("scale-out x2", rounds, { atLeast: 1.8 });              // rounds: number[] (or one number)
 *   figure("stream peak rss MB", peakMb, { atMost: 256, digits: 0 });
 *   figure("tasks per second", rate, { digits: 0 });               // no target: information only
 *
 * `figure` prints the figure's line at once (`name: value (target ≥ 1.8, met; rounds a/b/c, spread s%)`)
 * and records it; `printVerdicts()` (called at the end of bench/run.ts, or of a bench run alone)
 * prints the table of every figure recorded in this process. Interleaved rounds: `interleave(ROUNDS,
 * { a: () => ..., b: () => ... })` runs a, b, a, b, ... and returns each side's results.
 * BENCH_ROUNDS (default 3) sets ROUNDS.
 */

// Every bench imports this module, and the AWS SDK prints its Node-20 notice when a client is
// made: off here as in the CLI and under vitest (the supported switch), so the figures stay readable.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

export type Target = { atMost: number } | { atLeast: number };

export interface FigureOptions {
  atMost?: number;
  atLeast?: number;
  /** Decimals printed (default 2). */
  digits?: number;
  /** Said after the figure's line, in brackets: sizes, the other side's rates, the load. */
  note?: string;
}

export interface Figure {
  name: string;
  value: number;
  rounds: number[];
  target?: Target;
  verdict?: "met" | "missed";
  spread: number;
  digits: number;
  note?: string;
}

const figures: Figure[] = [];

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** (max − min) / median: 0 for one round. */
export const spread = (xs: readonly number[]): number => {
  if (xs.length < 2) return 0;
  const m = median(xs);
  return m === 0 ? 0 : (Math.max(...xs) - Math.min(...xs)) / Math.abs(m);
};

function targetText(t: Target | undefined): string {
  if (!t) return "";
  return "atMost" in t ? `≤ ${t.atMost}` : `≥ ${t.atLeast}`;
}

/** Records a figure and prints its line. Returns it (its value is the median round). */
export function figure(name: string, rounds: number | readonly number[], options: FigureOptions = {}): Figure {
  const xs = typeof rounds === "number" ? [rounds] : [...rounds];
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x))) throw new Error(`figure ${name}: no finite rounds (${xs.join(", ")})`);
  const value = median(xs);
  const target: Target | undefined =
    options.atMost !== undefined ? { atMost: options.atMost } : options.atLeast !== undefined ? { atLeast: options.atLeast } : undefined;
  const verdict = !target ? undefined : ("atMost" in target ? value <= target.atMost : value >= target.atLeast) ? "met" : "missed";
  const f: Figure = { name, value, rounds: xs, target, verdict, spread: spread(xs), digits: options.digits ?? 2, note: options.note };
  figures.push(f);
  console.log(line(f));
  return f;
}

function roundsText(f: Figure): string {
  if (f.rounds.length < 2) return "one round";
  const each = f.rounds.length <= 5 ? f.rounds.map((x) => x.toFixed(f.digits)).join("/") : `${Math.min(...f.rounds).toFixed(f.digits)}–${Math.max(...f.rounds).toFixed(f.digits)}`;
  return `${f.rounds.length} rounds ${each}, spread ${(f.spread * 100).toFixed(0)}%`;
}

function line(f: Figure): string {
  const target = f.target ? `target ${targetText(f.target)}, ${f.verdict}; ` : "";
  const note = f.note ? ` [${f.note}]` : "";
  return `${f.name}: ${f.value.toFixed(f.digits)} (${target}${roundsText(f)})${note}`;
}

/** Every figure recorded so far. */
export function recorded(): readonly Figure[] {
  return figures;
}

/** The table of every figure recorded in this process, with the load average beside it. */
export async function printVerdicts(): Promise<void> {
  if (figures.length === 0) return;
  const { loadavg, cpus } = await import("node:os");
  const rows = figures.map((f) => [f.name, f.value.toFixed(f.digits), targetText(f.target), f.verdict ?? "", roundsText(f)]);
  const head = ["figure", "value", "target", "verdict", "rounds"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const missed = figures.filter((f) => f.verdict === "missed").length;
  const met = figures.filter((f) => f.verdict === "met").length;
  console.log("");
  console.log(`verdicts (load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${cpus().length} cores):`);
  console.log(row(head));
  console.log(row(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(row(r));
  console.log(`${met} met, ${missed} missed, ${figures.length - met - missed} without a target`);
}

/**
 * Runs each side once per round, interleaved (a, b, a, b...), and returns every side's results
 * in round order. A side may return anything (a timing, a rate).
 */
export async function interleave<K extends string, T>(rounds: number, sides: Record<K, (round: number) => Promise<T>>): Promise<Record<K, T[]>> {
  const out = Object.fromEntries(Object.keys(sides).map((k) => [k, [] as T[]])) as Record<K, T[]>;
  for (let round = 0; round < rounds; round++) {
    for (const k of Object.keys(sides) as K[]) out[k].push(await sides[k](round));
  }
  return out;
}

/** Round by round: a[i] / b[i]. */
export const ratios = (a: readonly number[], b: readonly number[]): number[] => a.map((x, i) => x / b[i]!);

/** The machine's load average, for a note. */
export async function load(): Promise<string> {
  const { loadavg } = await import("node:os");
  return `load ${loadavg()[0]!.toFixed(2)}`;
}
