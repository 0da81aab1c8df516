import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { WireRequest, WireResponse } from "../../dialects/dialect.js";
import { accessFields } from "./access-fields.js";
import { answerAdmin } from "./admin/node-bridge.js";
import { Dispatcher, requestUrl, targetPath, unclaimed, type HandlerOptions } from "./dispatcher.js";

/** How much of a body over the limit is read (and dropped) after the answer, before the connection is cut. */
const DRAIN_BYTES = 8 * 1024 * 1024;

export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

/**
 * A Node `(req, res, next?)` handler for node:http, Express, Fastify (via its raw request) and
 * Connect-style stacks. With `next`, requests that no dialect claims fall through to the host
 * application's own routes, which is how an emulator mounts batchplane beside its own APIs.
 */
export function createNodeHandler(options: HandlerOptions): NodeHandler {
  const dispatcher = new Dispatcher(options);
  return (req, res, next) => {
    const started = Date.now();
    const headers = toHeaders(req.headers);
    const target = req.url ?? "/";
    const head = { method: (req.method ?? "GET").toUpperCase(), url: requestUrl(target, headers.get("host") ?? undefined), headers, path: targetPath(target) };
    if (dispatcher.isAdmin(head)) return answerAdmin(dispatcher, req, res, head, started);
    const dialect = dispatcher.dialectFor(head);
    if (!dialect) {
      if (next) return next();
      return send(res, unclaimed(head), head.method, () => dispatcher.log(head, 404, undefined, started));
    }
    const finish = (wire: WireResponse) => send(res, wire, head.method, () => dispatcher.log(head, wire.status, dialect, started, accessFields(head, wire)));

    if (dialect.streamsBody?.(head)) {
      // The dialect reads the body itself; whatever of it is left unread after the answer is drained.
      const request: WireRequest = { ...head, body: new Uint8Array(), stream: req };
      void dispatcher.dispatch(dialect, request).then((wire) => {
        finish(wire);
        if (!req.readableEnded) req.resume();
      });
      return;
    }
    const limit = dispatcher.maxBodyBytes;
    const tooLarge = () => {
      // Answered at once, while the client may still be sending; the rest of the body is read and
      // dropped, since closing a socket with unread data resets it, and a reset connection loses
      // the answer on its way. A client that sends far more than that is cut off.
      finish(dispatcher.safeReject(dialect, head, { kind: "bodyTooLarge", limitBytes: limit }));
      let dropped = 0;
      req.on("data", (chunk: Buffer) => {
        dropped += chunk.byteLength;
        if (dropped > Math.max(DRAIN_BYTES, limit)) req.socket.destroy();
      });
    };
    if (Number(req.headers["content-length"] ?? "0") > limit) return tooLarge();
    const parts: Buffer[] = [];
    let size = 0;
    let done = false;
    const collect = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        done = true;
        parts.length = 0;
        req.off("data", collect);
        tooLarge();
        return;
      }
      parts.push(chunk);
    };
    req.on("data", collect);
    req.on("error", (e) => {
      if (done) return;
      done = true;
      finish(dispatcher.safeReject(dialect, head, { kind: "unreadableBody", message: e.message }));
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      const request: WireRequest = { ...head, body: Buffer.concat(parts) };
      void dispatcher.dispatch(dialect, request).then(finish);
    });
  };
}

function toHeaders(raw: IncomingMessage["headers"]): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    try {
      if (Array.isArray(v)) for (const x of v) h.append(k, x);
      else h.set(k, v);
    } catch {
      // A header value fetch's Headers cannot hold is dropped rather than failing the request.
    }
  }
  return h;
}

function send(res: ServerResponse, wire: WireResponse, method: string, after: () => void): void {
  if (res.headersSent) return;
  if (wire.stream || (method === "HEAD" && wire.headers["content-length"] !== undefined)) return sendStream(res, wire, method, after);
  const body = wire.body === undefined ? undefined : typeof wire.body === "string" ? Buffer.from(wire.body, "utf8") : wire.body;
  // One writeHead with every header: cheaper than a setHeader call each.
  res.writeHead(wire.status, { ...wire.headers, "content-length": String(body?.byteLength ?? 0) });
  res.on("finish", after);
  res.end(method === "HEAD" ? undefined : body);
}

/** A streamed body (an object's content), or a HEAD that declares the length of what a GET would send. */
function sendStream(res: ServerResponse, wire: WireResponse, method: string, after: () => void): void {
  res.writeHead(wire.status, wire.headers);
  res.on("finish", after);
  if (method === "HEAD" || !wire.stream) {
    void drain(wire.stream);
    return void res.end();
  }
  pipeline(Readable.from(wire.stream), res).catch(() => res.destroy());
}

async function drain(stream: AsyncIterable<Uint8Array> | undefined): Promise<void> {
  const it = stream?.[Symbol.asyncIterator]();
  await it?.return?.().catch(() => undefined);
}
