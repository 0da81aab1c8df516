import type { JobEvent } from "../admin/events.js";
import type { ReportSummary } from "../admin/report.js";
import type { JobSummary, JobView } from "../admin/views.js";

/** An answer of the admin API that is not a success, or a server that cannot be reached. */
export class AdminError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface JobFilters {
  status?: string;
  dialect?: string;
  account?: string;
  region?: string;
  job?: string;
}

/** The CLI's side of the admin API (`/_batchplane/api/`), over fetch. */
export class AdminClient {
  private readonly base: URL;

  constructor(
    endpoint: string,
    private readonly token?: string,
  ) {
    this.base = new URL("/_batchplane/api/", endpoint);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}`, ...extra } : extra;
  }

  private url(path: string, filters: JobFilters = {}): URL {
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(filters)) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  }

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown, filters?: JobFilters): Promise<T> {
    const url = this.url(path, filters);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: this.headers(body === undefined ? {} : { "content-type": "application/json" }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw unreachable(this.base, e);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AdminError(`${url.origin} answered ${res.status} without JSON: is it a batchplane server?`, res.status);
    }
    if (!res.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } }).error;
      throw new AdminError(error?.message ?? `HTTP ${res.status}`, res.status, error?.code);
    }
    return parsed as T;
  }

  async list(filters: JobFilters = {}): Promise<JobSummary[]> {
    return (await this.call<{ jobs: JobSummary[] }>("GET", "jobs", undefined, filters)).jobs;
  }

  async describe(id: string): Promise<JobView> {
    return (await this.call<{ job: JobView }>("GET", `jobs/${encodeURIComponent(id)}`)).job;
  }

  async confirm(id: string): Promise<JobView> {
    return (await this.call<{ job: JobView }>("POST", `jobs/${encodeURIComponent(id)}/confirm`, {})).job;
  }

  async cancel(id: string, reason?: string): Promise<JobView> {
    return (await this.call<{ job: JobView }>("POST", `jobs/${encodeURIComponent(id)}/cancel`, reason === undefined ? {} : { reason })).job;
  }

  async priority(id: string, priority: number): Promise<JobView> {
    return (await this.call<{ job: JobView }>("POST", `jobs/${encodeURIComponent(id)}/priority`, { priority })).job;
  }

  async report(id: string, rows: number): Promise<ReportSummary> {
    return (await this.call<{ report: ReportSummary }>("GET", `jobs/${encodeURIComponent(id)}/report?rows=${rows}`)).report;
  }

  /**
   * Opens the event stream; resolves once the server answered (so that nothing that happens
   * after it is missed), with the events as an async iterable that ends when the stream does.
   */
  async events(filters: JobFilters, signal?: AbortSignal): Promise<AsyncIterable<JobEvent>> {
    let res: Response;
    try {
      res = await fetch(this.url("events", filters), { headers: this.headers({ accept: "text/event-stream" }), signal });
    } catch (e) {
      throw unreachable(this.base, e);
    }
    if (!res.ok || !res.body) {
      const text = await res.text();
      let message = `HTTP ${res.status}`;
      try {
        message = (JSON.parse(text) as { error: { message: string } }).error.message;
      } catch {
        // keep the status
      }
      throw new AdminError(message, res.status);
    }
    return parseEvents(res.body);
  }
}

function unreachable(base: URL, e: unknown): AdminError {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
  return new AdminError(`cannot reach a batchplane server at ${base.origin} (${cause}): start one with \`batchplane serve\` or pass --endpoint URL`);
}

/** Reads a text/event-stream body: the `data:` of each `event: job` as JSON. */
async function* parseEvents(body: ReadableStream<Uint8Array>): AsyncIterable<JobEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split("\n");
        const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim();
        const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
        if (event === "job" && data !== "") yield JSON.parse(data) as JobEvent;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
