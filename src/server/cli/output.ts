import { styleText } from "node:util";
import Table from "cli-table3";

/**
 * Where a command writes, and how: on a terminal without NO_COLOR, bars and colours; otherwise
 * (a pipe, a file, a CI log, NO_COLOR set) plain lines a script can read.
 */
export interface Output {
  write(text: string): void;
  /** A live terminal: redraw in place, colour. */
  fancy: boolean;
  stream: NodeJS.WriteStream;
}

export function terminalOutput(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Output {
  // https://no-color.org: present and not empty.
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== "";
  return { write: (text) => void stream.write(text), fancy: stream.isTTY === true && !noColor, stream };
}

type Style = Parameters<typeof styleText>[0];

export function paint(out: Output, style: Style, text: string): string {
  return out.fancy ? styleText(style, text) : text;
}

const STATUS_STYLE: Record<string, Style> = { Complete: "green", Failed: "red", Cancelled: "yellow", Active: "cyan", Suspended: "magenta" };

export function paintStatus(out: Output, status: string): string {
  const style = STATUS_STYLE[status];
  return style ? paint(out, style, status) : status;
}

/** A table: boxed on a terminal, columns separated by spaces otherwise (one row a line, easy to cut). */
export function table(out: Output, head: string[], rows: string[][]): string {
  if (!out.fancy) {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
    return [line(head), ...rows.map(line)].join("\n") + "\n";
  }
  const t = new Table({ head, style: { head: ["cyan"], border: ["grey"] } });
  t.push(...rows);
  return `${t.toString()}\n`;
}
