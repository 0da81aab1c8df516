import type { JobService } from "../src/core/jobs/job-service.js";
import type { LifecyclePolicy } from "../src/core/jobs/policy.js";
import type { Principal, SignatureError, SignatureVerifier } from "./signature.js";

/** What a dialect may look at to decide whether a request is its own (no body yet). */
export interface RequestHead {
  /** Upper case. */
  method: string;
  /** Absolute, as the client addressed it (absolute-form targets included). */
  url: URL;
  headers: Headers;
  /**
   * The path exactly as the client sent it: dot segments and percent-encoding kept, no query.
   * `url.pathname` has `..` resolved away (`/jobs/../../etc/passwd` reads as `/etc/passwd`), so
   * dialects route on this one (see `requestPath`). The Node handler sets it, and the fetch handler
   * when its caller passes it (the in-process SDK handler does); a bare fetch `Request`
   * arrives already resolved, and without it the URL's path is all there is.
   */
  path?: string;
}

/** The path a dialect routes on: as sent when the server knows it, else the URL's. */
export function requestPath(head: RequestHead): string {
  return head.path ?? head.url.pathname;
}

export interface WireRequest extends RequestHead {
  /** The whole body, already read and within the server's size limit (empty when `stream` is set). */
  body: Uint8Array;
  /**
   * The body unread, for a request the dialect takes as a stream (`streamsBody`): no size limit,
   * read at most once. The signature stage may wrap it (to check the payload's hash as it passes).
   */
  stream?: AsyncIterable<Uint8Array>;
  /** Who signed the request, when the server checks signatures (set only once the signature checked out). */
  principal?: Principal;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** A body streamed as it is read (an object's content); `body` is then ignored. Set content-length in `headers`. */
  stream?: AsyncIterable<Uint8Array>;
}

export interface DialectContext {
  jobs: JobService;
}

/** Failures found before the dialect sees the request; the dialect renders them its own way. */
export type TransportProblem =
  | { kind: "bodyTooLarge"; limitBytes: number }
  | { kind: "unreadableBody"; message: string }
  | { kind: "internal"; error: unknown }
  /** The signature stage refused the request: the provider's code, status and message. */
  | { kind: "unauthenticated"; failure: SignatureError };

/**
 * One provider's wire format. A dialect translates requests to JobService calls and results and
 * errors back; it holds no job logic. The server asks each dialect in turn whether a request is
 * its own.
 */
export interface Dialect {
  readonly name: string;
  /** Registered with the JobService, so that jobs created here follow the provider's rules. */
  readonly policy: LifecyclePolicy;
  claims(head: RequestHead): boolean;
  /** Requests whose body the dialect reads itself, as a stream (object uploads): the server neither buffers nor limits it. */
  streamsBody?(head: RequestHead): boolean;
  /** How the provider signs requests; the server checks it before `handle` when credentials are configured. */
  readonly signature?: SignatureVerifier;
  handle(request: WireRequest, context: DialectContext): Promise<WireResponse>;
  reject(head: RequestHead, problem: TransportProblem): WireResponse;
}
