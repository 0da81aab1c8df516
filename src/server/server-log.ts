import type { AccessLogEntry } from "./dispatcher.js";

/** One thing the server tells: a request answered, a job that moved, a problem. */
export interface LogRecord {
  level: "info" | "warn" | "error";
  /** A stable name (request, job.created, job.complete, startup.store...) a log pipeline can filter on. */
  event: string;
  /** The line a person reads. */
  message: string;
  fields?: Record<string, string | number | null | undefined>;
  /**
   * A start-up line scripts read (`batchplane listening on URL`): in text format without the time,
   * and printed even with --quiet.
   */
  banner?: boolean;
}

export type LogSink = (record: LogRecord) => void;

export type LogFormat = "text" | "json";

export interface LogSinkOptions {
  /** text: `<time> <message>`; json: one JSON object a line (time, level, event, message, fields). */
  format?: LogFormat;
  /** Errors only. */
  quiet?: boolean;
  /** Info lines (every line, in json format) go here (default stdout)... */
  out?: (line: string) => void;
  /** ...warnings and errors here (default stderr). */
  err?: (line: string) => void;
  now?: () => Date;
}

export function createLogSink(options: LogSinkOptions = {}): LogSink {
  const out = options.out ?? ((line) => void process.stdout.write(line));
  const err = options.err ?? ((line) => void process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  return (record) => {
    if (options.quiet && record.level !== "error" && !record.banner) return;
    const time = now().toISOString();
    const line =
      options.format === "json"
        ? JSON.stringify({ time, level: record.level, event: record.event, message: record.message, ...dropUndefined(record.fields ?? {}) })
        : record.banner
          ? record.message
          : `${time} ${record.level === "info" ? "" : `${record.level.toUpperCase()} `}${record.message}`;
    // JSON lines all go to stdout, one stream for a log shipper; text puts problems on stderr.
    (record.level === "info" || options.format === "json" ? out : err)(`${line}\n`);
  };
}

function dropUndefined(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** An access-log entry as a record: method, target, status, duration, dialect, then request id, error code, job. */
export function accessRecord(entry: AccessLogEntry): LogRecord {
  const target = `${entry.url.pathname}${entry.url.search}`;
  const extra = [
    entry.requestId && `request=${entry.requestId}`,
    entry.errorCode && `error=${entry.errorCode}`,
    entry.jobId && `job=${entry.jobId}`,
  ].filter(Boolean);
  return {
    level: entry.status >= 500 ? "error" : "info",
    event: "request",
    message: [`${entry.method} ${target} ${entry.status} ${entry.ms}ms`, entry.dialect, ...extra].filter(Boolean).join(" "),
    fields: { method: entry.method, path: target, status: entry.status, ms: entry.ms, dialect: entry.dialect, requestId: entry.requestId, errorCode: entry.errorCode, jobId: entry.jobId },
  };
}
