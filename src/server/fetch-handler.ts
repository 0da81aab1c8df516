import type { WireResponse } from "../../dialects/dialect.js";
import { accessFields } from "./access-fields.js";
import { adminFields } from "./admin/api.js";
import { Dispatcher, unclaimed, type HandlerOptions } from "./dispatcher.js";

/** What a caller may know of a request that a `Request` cannot carry. */
export interface FetchRequestInfo {
  /** The path exactly as sent, no query: a `Request`'s URL resolves `..` away (see RequestHead.path). */
  path?: string;
}

export type FetchHandler = (request: Request, info?: FetchRequestInfo) => Promise<Response>;

/**
 * A web-standard handler (Request → Response): mount it in any runtime or framework that speaks
 * fetch (hono, Deno, Bun, Workers, undici's MockAgent, an SDK's in-memory request handler).
 */
export function createFetchHandler(options: HandlerOptions): FetchHandler {
  const dispatcher = new Dispatcher(options);
  return async (request, info) => {
    const started = Date.now();
    const head = { method: request.method.toUpperCase(), url: new URL(request.url), headers: request.headers, ...(info?.path !== undefined && { path: info.path }) };
    if (dispatcher.isAdmin(head)) {
      const response = await dispatcher.admin!(request);
      dispatcher.log(head, response.status, "admin", started, adminFields(head.url, response));
      return response;
    }
    const dialect = dispatcher.dialectFor(head);
    let wire: WireResponse;
    if (!dialect) {
      wire = unclaimed(head);
    } else if (dialect.streamsBody?.(head)) {
      const stream = (request.body ?? []) as AsyncIterable<Uint8Array>;
      wire = await dispatcher.dispatch(dialect, { ...head, body: new Uint8Array(), stream });
    } else {
      const body = await readLimited(request, dispatcher.maxBodyBytes);
      wire =
        body === "tooLarge"
          ? dispatcher.safeReject(dialect, head, { kind: "bodyTooLarge", limitBytes: dispatcher.maxBodyBytes })
          : typeof body === "object" && "error" in body
            ? dispatcher.safeReject(dialect, head, { kind: "unreadableBody", message: body.error })
            : await dispatcher.dispatch(dialect, { ...head, body });
    }
    dispatcher.log(head, wire.status, dialect, started, accessFields(head, wire));
    if (wire.stream) {
      const body = head.method === "HEAD" ? null : streamOf(wire.stream);
      if (!body) await wire.stream[Symbol.asyncIterator]().return?.();
      return new Response(body, { status: wire.status, headers: wire.headers });
    }
    const payload = head.method === "HEAD" ? undefined : wire.body;
    return new Response(payload === undefined || payload.length === 0 ? null : payload, {
      status: wire.status,
      headers: wire.headers,
    });
  };
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array | "tooLarge" | { error: string }> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return "tooLarge";
  if (!request.body) return new Uint8Array();
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        return "tooLarge";
      }
      parts.push(value);
    }
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  return Buffer.concat(parts);
}

function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await it.return?.();
    },
  });
}
