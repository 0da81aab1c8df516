import { requestPath, type Dialect, type RequestHead, type WireRequest, type WireResponse } from "../../dialects/dialect.js";
import { toXml } from "../../dialects/xml/index.js";
import type { Credential, CredentialsPort } from "../../dialects/signature.js";
import type { JobService } from "../core/jobs/job-service.js";
import type { Clock } from "../core/ports.js";
import { authStage, type AuthStage } from "./auth.js";
import { credentialsPort } from "./credentials.js";
import type { ObjectStore } from "../core/ports.js";
import type { AccessFields } from "./access-fields.js";
import { createAdminHandler, isAdminPath, type AdminHandler } from "./admin/api.js";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface HandlerOptions {
  jobs: JobService;
  dialects: readonly Dialect[];
  /** Request bodies over this size are refused with the dialect's error. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Called once a request was answered: for access logs and metrics. */
  onResponse?: (entry: AccessLogEntry) => void;
  /**
   * Check every request's signature against these keys (a list, or a port onto the embedder's own
   * key store). Without it nothing is checked and a request's claimed account is taken as it is.
   */
  credentials?: readonly Credential[] | CredentialsPort;
  /** The clock signatures' times are checked against. Default: the JobService's. */
  clock?: Pick<Clock, "now">;
  /** Serve the admin API under /_batchplane/api/ (default true). */
  admin?: boolean;
  /** When set, admin API requests need `Authorization: Bearer <adminToken>`. */
  adminToken?: string;
  /** Where the admin API reads completion reports from. */
  objects?: ObjectStore;
  /** Aborted when the server shuts down: the admin API's event streams end. */
  signal?: AbortSignal;
}

export interface AccessLogEntry extends AccessFields {
  method: string;
  url: URL;
  status: number;
  /** The dialect that answered, or "admin". */
  dialect?: string;
  ms: number;
}

/**
 * Answer for a request no dialect claims. No provider's envelope applies, but every SDK that
 * strayed here parses XML errors, so it is the `<Error>` shape they share (Code, Message, Resource).
 */
export function unclaimed(head: RequestHead): WireResponse {
  const path = requestPath(head);
  return {
    status: 404,
    headers: { "content-type": "application/xml" },
    body: toXml("Error", { Code: "NotFound", Message: `batchplane: no API answers ${head.method} ${path.slice(0, 1024)}`, Resource: path.slice(0, 1024) }),
  };
}

/**
 * Finds the dialect whose request this is and lets it answer. Whatever goes wrong inside a
 * dialect is still answered in that dialect's envelope: the server never crashes on a request.
 */
export class Dispatcher {
  readonly jobs: JobService;
  readonly dialects: readonly Dialect[];
  readonly maxBodyBytes: number;
  private readonly auth?: AuthStage;
  /** Answers /_batchplane/api/ before any dialect is asked. */
  readonly admin: AdminHandler | undefined;

  constructor(private readonly options: HandlerOptions) {
    this.jobs = options.jobs;
    this.admin = options.admin === false ? undefined : createAdminHandler({ jobs: options.jobs, objects: options.objects, token: options.adminToken, locked: options.credentials !== undefined, events: { signal: options.signal } });
    this.dialects = options.dialects;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (options.credentials) {
      const clock = options.clock ?? options.jobs.clock;
      this.auth = authStage(credentialsPort(options.credentials), () => clock.now());
    }
    for (const d of this.dialects) this.jobs.registerPolicy(d.policy);
  }

  /**
   * The admin API's request (checked first: no dialect claims its paths). `target`, the request
   * target as sent, when the server has it: one that never spells the prefix cannot name it (the
   * URL parser drops only tabs and newlines, which node:http refuses anyway), so a dialect's
   * request is told apart without parsing a URL.
   */
  isAdmin(head: RequestHead, target?: string): boolean {
    if (this.admin === undefined) return false;
    if (target !== undefined && !target.includes("_batchplane") && !/[\t\n\r]/.test(target)) return false;
    return isAdminPath(head.url.pathname);
  }

  dialectFor(head: RequestHead): Dialect | undefined {
    // A loop rather than find(callback): no function made per request on this path.
    for (const d of this.dialects) {
      try {
        if (d.claims(head)) return d;
      } catch {
        // A dialect that fails to decide does not claim the request.
      }
    }
    return undefined;
  }

  async dispatch(dialect: Dialect, request: WireRequest): Promise<WireResponse> {
    try {
      if (this.auth) {
        const checked = await this.auth(dialect, request);
        if (!("body" in checked)) return this.safeReject(dialect, request, { kind: "unauthenticated", failure: checked });
        return await dialect.handle(checked, { jobs: this.jobs });
      }
      return await dialect.handle(request, { jobs: this.jobs });
    } catch (error) {
      return this.safeReject(dialect, request, { kind: "internal", error });
    }
  }

  safeReject(dialect: Dialect, head: RequestHead, problem: Parameters<Dialect["reject"]>[1]): WireResponse {
    try {
      return dialect.reject(head, problem);
    } catch {
      return { status: 500, headers: { "content-type": "text/plain" }, body: "batchplane: internal error\n" };
    }
  }

  /** `api`: the dialect that answered, or "admin". */
  log(head: RequestHead, status: number, api: Dialect | "admin" | undefined, started: number, fields: AccessFields = {}): void {
    try {
      const dialect = typeof api === "string" ? api : api?.name;
      this.options.onResponse?.({ method: head.method, url: head.url, status, dialect, ms: Date.now() - started, ...fields });
    } catch (e) {
      // The request was answered; a failing logger must not take the server down with it.
      console.error("batchplane: the onResponse callback failed:", e);
    }
  }
}

/** The path of a request target as sent (origin or absolute form): no scheme, authority, query or fragment. */
export function targetPath(target: string): string {
  if (target.charCodeAt(0) === 0x2f) {
    // Origin form, what nearly every request sends: the path ends at the query or fragment.
    const q = target.indexOf("?");
    const f = target.indexOf("#");
    const end = q < 0 ? f : f < 0 ? q : Math.min(q, f);
    return end < 0 ? target : target.slice(0, end);
  }
  const path = target.replace(/^https?:\/\/[^/?#]*/i, "").replace(/[?#].*$/s, "");
  return path.startsWith("/") ? path : `/${path}`;
}

/** Parses a request target in origin form (`/path?q`) or absolute form (`http://host/path?q`). */
export function requestUrl(target: string, host: string | undefined): URL {
  if (/^https?:\/\//i.test(target)) {
    try {
      return new URL(target);
    } catch {
      // fall through to the origin-form reading
    }
  }
  const path = target.startsWith("/") ? target : `/${target}`;
  try {
    return new URL(`http://${host || "localhost"}${path}`);
  } catch {
    return new URL(path, "http://localhost");
  }
}
