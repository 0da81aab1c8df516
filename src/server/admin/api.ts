import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { decodeSegment, type AccessFields } from "../access-fields.js";
import { isDomainError, type DomainErrorKind } from "../../core/errors.js";
import type { JobService } from "../../core/jobs/job-service.js";
import type { Job } from "../../core/model/job.js";
import { JOB_STATUSES } from "../../core/model/status.js";
import type { ObjectStore } from "../../core/ports.js";
import { jobEventStream, type EventStreamOptions } from "./events.js";
import { layoutOf, readReport } from "./report.js";
import { jobSummary, jobView } from "./views.js";

/** Every admin path starts with this; no dialect claims it (the handlers route it first). */
export const ADMIN_PREFIX = "/_batchplane/api/";

export interface AdminOptions {
  jobs: JobService;
  /** Where reports are read from (`GET .../report`); without it that route answers 501. */
  objects?: ObjectStore;
  /** When set, every admin request needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Signatures are checked (credentials configured) but no token was given: every admin request is refused. */
  locked?: boolean;
  events?: EventStreamOptions;
}

export type AdminHandler = (request: Request) => Promise<Response>;

export function isAdminPath(pathname: string): boolean {
  return pathname.startsWith(ADMIN_PREFIX) || pathname === ADMIN_PREFIX.slice(0, -1);
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Domain errors in HTTP terms (the admin API's own, provider-neutral table). */
const DOMAIN_STATUS: Record<DomainErrorKind, number> = {
  JobNotFound: 404,
  InvalidArgument: 400,
  InvalidTransition: 409,
  ActionNotAllowed: 409,
  IdempotencyConflict: 409,
  TooManyTags: 400,
  ConcurrentUpdate: 409,
  StoreUnavailable: 503,
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const code = (body as { error?: { code?: string } }).error?.code;
  const extra: Record<string, string> = code === undefined ? headers : { ...headers, [ERROR_CODE_HEADER]: code };
  return new Response(`${JSON.stringify(body)}\n`, { status, headers: { "content-type": "application/json; charset=utf-8", ...extra } });
}

/** An error answer's code, also in a header: read without consuming the body (access logs). */
export const ERROR_CODE_HEADER = "x-batchplane-error-code";

/** The access-log fields of an admin answer. */
export function adminFields(url: URL, response: Response): AccessFields {
  const fields: AccessFields = {};
  const requestId = response.headers.get("x-batchplane-request-id");
  const errorCode = response.headers.get(ERROR_CODE_HEADER);
  const jobId = /^\/_batchplane\/api\/jobs\/([^/]+)/.exec(url.pathname)?.[1] ?? url.searchParams.get("job");
  if (requestId) fields.requestId = requestId;
  if (errorCode) fields.errorCode = errorCode;
  if (jobId) fields.jobId = decodeSegment(jobId);
  return fields;
}

type Route = {
  method: "GET" | "POST";
  /** Path under the prefix, `:id` a job id. */
  path: RegExp;
  run: (ctx: { params: string[]; url: URL; request: Request; options: AdminOptions }) => Promise<Response>;
};

function listFilter(url: URL): (job: Job) => boolean {
  const statuses = url.searchParams.getAll("status").flatMap((s) => s.split(",")).filter((s) => s !== "");
  for (const s of statuses) if (!(JOB_STATUSES as readonly string[]).includes(s)) throw new ApiError(400, "InvalidArgument", `unknown job status "${s}"`);
  const dialect = url.searchParams.get("dialect");
  const account = url.searchParams.get("account");
  const region = url.searchParams.get("region");
  const id = url.searchParams.get("job");
  return (job) =>
    (statuses.length === 0 || statuses.includes(job.status)) &&
    (dialect === null || job.tenant.dialect === dialect) &&
    (account === null || job.tenant.account === account) &&
    (region === null || job.tenant.region === region) &&
    (id === null || job.id === id);
}

async function jobOf(jobs: JobService, id: string): Promise<Job> {
  const job = await jobs.get(decodeSegment(id));
  if (!job) throw new ApiError(404, "NoSuchJob", `no job has the id ${id}`);
  return job;
}

async function bodyOf(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new ApiError(400, "InvalidArgument", "the request body must be a JSON object");
}

const viewOf = (jobs: JobService, job: Job) => jobView(job, jobs.clock.now(), layoutOf(jobs, job).manifestKey(job));

const ROUTES: Route[] = [
  {
    method: "GET",
    path: /^jobs$/,
    async run({ url, options: { jobs } }) {
      const keep = listFilter(url);
      const all = (await jobs.store.scan(JOB_STATUSES)).filter(keep);
      all.sort((a, b) => b.creationTime - a.creationTime || (a.id < b.id ? 1 : -1));
      return json(200, { jobs: all.map((j) => jobSummary(j, jobs.clock.now())) });
    },
  },
  {
    method: "GET",
    path: /^jobs\/([^/]+)$/,
    async run({ params, options: { jobs } }) {
      return json(200, { job: viewOf(jobs, await jobOf(jobs, params[0]!)) });
    },
  },
  {
    method: "GET",
    path: /^jobs\/([^/]+)\/report$/,
    async run({ params, url, options: { jobs, objects } }) {
      if (!objects) throw new ApiError(501, "NotImplemented", "this server was mounted without an object store to read reports from");
      const job = await jobOf(jobs, params[0]!);
      const rows = Number(url.searchParams.get("rows") ?? "10");
      if (!Number.isInteger(rows) || rows < 0 || rows > 1000) throw new ApiError(400, "InvalidArgument", "rows must be an integer from 0 to 1000");
      const report = await readReport(jobs, objects, job, rows);
      if (!report) {
        const why = job.report.enabled ? `job ${job.id} has not written its report (status ${job.status})` : `job ${job.id} was created without a report`;
        throw new ApiError(404, "NoSuchReport", why);
      }
      return json(200, { report });
    },
  },
  {
    method: "POST",
    path: /^jobs\/([^/]+)\/confirm$/,
    async run({ params, options: { jobs } }) {
      const job = await jobOf(jobs, params[0]!);
      return json(200, { job: viewOf(jobs, await jobs.updateJobStatus(job.tenant, job.id, "Ready")) });
    },
  },
  {
    method: "POST",
    path: /^jobs\/([^/]+)\/cancel$/,
    async run({ params, request, options: { jobs } }) {
      const { reason } = await bodyOf(request);
      if (reason !== undefined && typeof reason !== "string") throw new ApiError(400, "InvalidArgument", "reason must be a string");
      const job = await jobOf(jobs, params[0]!);
      return json(200, { job: viewOf(jobs, await jobs.updateJobStatus(job.tenant, job.id, "Cancelled", reason)) });
    },
  },
  {
    method: "POST",
    path: /^jobs\/([^/]+)\/priority$/,
    async run({ params, request, options: { jobs } }) {
      const { priority } = await bodyOf(request);
      if (typeof priority !== "number") throw new ApiError(400, "InvalidArgument", 'the body must be {"priority": N}');
      const job = await jobOf(jobs, params[0]!);
      return json(200, { job: viewOf(jobs, await jobs.updateJobPriority(job.tenant, job.id, priority)) });
    },
  },
  {
    method: "GET",
    path: /^events$/,
    async run({ url, options }) {
      const stream = jobEventStream(options.jobs, listFilter(url), options.events);
      return new Response(stream, { status: 200, headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" } });
    },
  },
];

const digestOf = (s: string) => createHash("sha256").update(s).digest();

function authorized(request: Request, token: string | undefined): boolean {
  if (token === undefined) return true;
  const m = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "");
  // Constant time over equal-length digests, whatever the length of what was sent.
  return m !== null && timingSafeEqual(digestOf(m[1]!.trim()), digestOf(token));
}

/**
 * The admin JSON API (documented in the README, "Admin API"): every job of every dialect,
 * account and region, their reports, confirm / cancel / priority, and a Server-Sent Events stream
 * of job changes. Errors are `{"error": {"code", "message"}}`.
 */
export function createAdminHandler(options: AdminOptions): AdminHandler {
  return async (request) => {
    const response = await answer(options, request);
    // Every answer carries a request id, and an error its code, for access logs and bug reports.
    response.headers.set("x-batchplane-request-id", randomUUID());
    return response;
  };
}

async function answer(options: AdminOptions, request: Request): Promise<Response> {
  const url = new URL(request.url);
  try {
    if (options.locked && options.token === undefined) {
      throw new ApiError(403, "AccessDenied", "signatures are checked on this server and the admin API needs a token: add \"adminToken\" to the credentials file");
    }
    if (!authorized(request, options.token)) {
      throw new ApiError(401, "Unauthorized", "this server needs an admin token: send Authorization: Bearer <token>");
    }
    const rest = url.pathname.slice(ADMIN_PREFIX.length);
    const matching = ROUTES.map((r) => ({ r, m: r.path.exec(rest) })).filter((x) => x.m !== null);
    if (matching.length === 0) throw new ApiError(404, "NoSuchRoute", `no admin API answers ${url.pathname}`);
    const hit = matching.find((x) => x.r.method === request.method.toUpperCase());
    if (!hit) {
      return json(405, { error: { code: "MethodNotAllowed", message: `${request.method} is not allowed on ${url.pathname}` } }, { allow: matching.map((x) => x.r.method).join(", ") });
    }
    return await hit.r.run({ params: hit.m!.slice(1), url, request, options });
  } catch (e) {
    if (e instanceof ApiError) return json(e.status, { error: { code: e.code, message: e.message } }, e.status === 401 ? { "www-authenticate": "Bearer" } : {});
    if (isDomainError(e)) return json(DOMAIN_STATUS[e.kind], { error: { code: e.kind, message: e.message } });
    return json(500, { error: { code: "InternalError", message: e instanceof Error ? e.message : String(e) } });
  }
}
