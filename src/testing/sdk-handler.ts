import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { createFetchHandler, type FetchHandler } from "../server/fetch-handler.js";
import type { HandlerOptions } from "../server/dispatcher.js";

/**
 * An AWS SDK v3 request handler that answers in the same process, through batchplane's fetch
 * handler, with no socket: `new S3ControlClient({ region, credentials, requestHandler:
 * createSdkHandler(handler) })`. It is the SDK's `HttpHandler` contract (what NodeHttpHandler
 * implements): `handle(request, { abortSignal, requestTimeout })` → `{ response }`, bodies
 * streamed both ways (a Node Readable in, a Node Readable out, as over a socket).
 *
 * No SDK import, not even of types: the shapes below are the structural part of @smithy/types'
 * HttpRequest / HttpResponse / HttpHandlerOptions that this handler reads and writes, so a
 * consumer's `tsc` never needs @smithy/types resolvable from batchplane.
 */
export interface SdkHttpRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
  username?: string;
  password?: string;
  fragment?: string;
}

export interface SdkHttpResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  /** A Node Readable, as NodeHttpHandler gives (the SDK's stream helpers expect one on Node). */
  body: Readable;
}

/** The SDK's own AbortSignal before it took the web one: `aborted` and an `onabort` slot. */
interface LegacyAbortSignal {
  readonly aborted: boolean;
  /** Typed `Function | AbortHandler | null` by @smithy/types. */
  onabort: unknown;
}

export interface SdkHandlerCallOptions {
  abortSignal?: AbortSignal | LegacyAbortSignal;
  /** Milliseconds for the response to arrive before the call is given up with a `TimeoutError`. */
  requestTimeout?: number;
}

export interface SdkHandlerConfig {
  /** Default for calls that pass none. */
  requestTimeout?: number;
}

export interface SdkRequestHandler {
  readonly metadata: { handlerProtocol: string };
  handle(request: SdkHttpRequest, options?: SdkHandlerCallOptions): Promise<{ response: SdkHttpResponse }>;
  updateHttpClientConfig(key: keyof SdkHandlerConfig, value: SdkHandlerConfig[keyof SdkHandlerConfig]): void;
  httpHandlerConfigs(): SdkHandlerConfig;
  destroy(): void;
}

/**
 * The handler over a fetch handler (`createFetchHandler(...)`, or the options to make one). Every
 * dialect the fetch handler mounts is reached the same way: this adapter knows none of them.
 */
export function createSdkHandler(target: FetchHandler | HandlerOptions, config: SdkHandlerConfig = {}): SdkRequestHandler {
  const fetchHandler = typeof target === "function" ? target : createFetchHandler(target);
  const settings: SdkHandlerConfig = { ...config };
  return {
    metadata: { handlerProtocol: "http/1.1" },
    handle: (request, options = {}) => handle(fetchHandler, request, options.abortSignal, options.requestTimeout ?? settings.requestTimeout),
    updateHttpClientConfig: (key, value) => {
      settings[key] = value;
    },
    httpHandlerConfigs: () => ({ ...settings }),
    destroy: () => undefined,
  };
}

async function handle(
  fetchHandler: FetchHandler,
  request: SdkHttpRequest,
  signal: AbortSignal | LegacyAbortSignal | undefined,
  timeoutMs: number | undefined,
): Promise<{ response: SdkHttpResponse }> {
  if (signal?.aborted) throw abortError(signal);
  // Aborted when the caller aborts or gives up: the request body stops flowing and a response
  // body still being read ends with the same error, as when a socket is destroyed.
  const inner = new AbortController();
  const body = requestBody(request);
  let failure: Error | undefined;
  const stop = (error: Error) => {
    if (failure) return;
    failure = error;
    inner.abort(error);
    if (body instanceof Readable) body.destroy(error);
  };
  const unlisten = onAbort(signal, () => stop(abortError(signal!)));
  const timer = timeoutMs !== undefined && timeoutMs > 0 ? setTimeout(() => stop(timeoutError(timeoutMs)), timeoutMs) : undefined;
  const givenUp = new Promise<never>((_, reject) => inner.signal.addEventListener("abort", () => reject(failure), { once: true }));
  givenUp.catch(() => undefined); // an abort after the response ends its body instead
  try {
    const answer = await Promise.race([fetchHandler(toRequest(request, body, inner.signal), { path: request.path }), givenUp]).finally(() => clearTimeout(timer));
    const stream = answer.body ? Readable.fromWeb(answer.body as WebReadableStream<Uint8Array>) : Readable.from([]);
    // Until the body is read to its end (or dropped), an abort still ends it.
    inner.signal.addEventListener("abort", () => stream.destroy(failure), { once: true });
    stream.once("close", unlisten);
    return { response: { statusCode: answer.status, reason: answer.statusText, headers: headersOf(answer.headers), body: stream } };
  } catch (error) {
    unlisten();
    throw error;
  }
}

/**
 * The URL as NodeHttpHandler would address it. The S3 Control client puts the account id in front
 * of the host; in front of an IP address (`123456789012.127.0.0.1`, from `endpoint:
 * "http://127.0.0.1:9090"`) that is no URL a `Request` accepts, so that label moves to
 * `x-amz-account-id`, where batchplane reads the account from first (the SDK sends the header
 * anyway). Any other host is passed as it is: batchplane reads a host's account prefix itself,
 * and an S3 bucket named by the host (virtual-host style) must stay there.
 */
function urlOf(request: SdkHttpRequest, headers: Headers): string {
  const query = queryString(request.query ?? {});
  const auth = request.username != null || request.password != null ? `${request.username ?? ""}:${request.password ?? ""}@` : "";
  const path = `${request.path}${query ? `?${query}` : ""}${request.fragment ? `#${request.fragment}` : ""}`;
  const address = (hostname: string) => `${request.protocol}//${auth}${hostname}${request.port ? `:${request.port}` : ""}${path}`;
  if (URL.canParse(address(request.hostname))) return address(request.hostname);
  const prefixed = /^(\d{12})\.(.+)$/.exec(request.hostname);
  if (prefixed && URL.canParse(address(prefixed[2]!))) {
    if (!headers.has("x-amz-account-id")) headers.set("x-amz-account-id", prefixed[1]!);
    return address(prefixed[2]!);
  }
  throw new TypeError(`batchplane's SDK handler cannot address ${request.protocol}//${request.hostname}: not a valid URL`);
}

type SendableBody = string | Uint8Array | Blob | ReadableStream | Readable;

function toRequest(request: SdkHttpRequest, body: SendableBody | undefined, signal: AbortSignal): Request {
  const headers = new Headers(request.headers);
  const url = urlOf(request, headers);
  const init: RequestInit & { duplex?: "half" } = { method: request.method, headers, signal };
  if (body !== undefined) {
    init.body = body instanceof Readable ? (Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>) : (body as NonNullable<RequestInit["body"]>);
    if (body instanceof Readable || body instanceof ReadableStream) init.duplex = "half";
  }
  return new Request(url, init);
}

/** The SDK's body (whatever NodeHttpHandler accepts) as a fetch body; none on GET and HEAD. */
function requestBody(request: SdkHttpRequest): SendableBody | undefined {
  const body = request.body;
  if (body === undefined || body === null || request.method === "GET" || request.method === "HEAD") return undefined;
  if (typeof body === "string" || body instanceof Readable || body instanceof ReadableStream || body instanceof Blob) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === "object" && (Symbol.asyncIterator in body || Symbol.iterator in body)) return Readable.from(body as AsyncIterable<Uint8Array>);
  throw new TypeError(`batchplane's SDK handler cannot send a request body of type ${Object.prototype.toString.call(body)}`);
}

/** @smithy's buildQueryString: sorted keys, RFC 3986 escaping, a null value as a bare key (`?tagging`). */
function queryString(query: Record<string, string | string[] | null>): string {
  const escape = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const parts: string[] = [];
  for (const key of Object.keys(query).sort()) {
    const value = query[key];
    if (Array.isArray(value)) for (const item of value) parts.push(`${escape(key)}=${escape(item)}`);
    else parts.push(value === null || value === undefined ? escape(key) : `${escape(key)}=${escape(value)}`);
  }
  return parts.join("&");
}

function headersOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function onAbort(signal: AbortSignal | LegacyAbortSignal | undefined, listener: () => void): () => void {
  if (!signal) return () => undefined;
  if ("addEventListener" in signal && typeof signal.addEventListener === "function") {
    signal.addEventListener("abort", listener, { once: true });
    return () => signal.removeEventListener("abort", listener);
  }
  const legacy = signal as LegacyAbortSignal;
  const previous = legacy.onabort;
  legacy.onabort = function (this: unknown, ...args: unknown[]) {
    listener();
    return typeof previous === "function" ? previous.apply(this, args) : undefined;
  };
  return () => {
    legacy.onabort = previous;
  };
}

/** What NodeHttpHandler rejects with: `name` "AbortError", the signal's reason as `cause`. */
function abortError(signal: AbortSignal | LegacyAbortSignal): Error {
  const reason = "reason" in signal ? (signal as AbortSignal).reason : undefined;
  const error = new Error(reason !== undefined && !(reason instanceof Error) ? String(reason) : "Request aborted", reason instanceof Error ? { cause: reason } : undefined);
  error.name = "AbortError";
  return error;
}

function timeoutError(ms: number): Error {
  const error = new Error(`Request did not complete within ${ms} ms`);
  error.name = "TimeoutError";
  return error;
}
