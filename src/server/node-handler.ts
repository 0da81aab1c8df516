import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Dialect, WireResponse } from "../../dialects/dialect.js";
import { accessFields } from "./access-fields.js";
import { answerAdmin } from "./admin/node-bridge.js";
import { Dispatcher, unclaimed, type HandlerOptions } from "./dispatcher.js";
import { hasBody, NodeRequest } from "./node-request.js";

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
  // Without an access log nothing needs to hear that a response went out.
  const logged = options.onResponse !== undefined;
  return (req, res, next) => {
    const started = Date.now();
    const request = new NodeRequest(req);
    if (dispatcher.isAdmin(request, request.target)) return answerAdmin(dispatcher, req, res, request, started);
    const dialect = dispatcher.dialectFor(request);
    if (!dialect) {
      if (next) return next();
      return send(res, unclaimed(request), request.method, logged ? () => dispatcher.log(request, 404, undefined, started) : undefined);
    }
    const exchange: Exchange = { dispatcher, dialect, request, res, started, logged };
    if (dialect.streamsBody?.(request)) {
      // The dialect reads the body itself; whatever of it is left unread after the answer is drained.
      request.stream = req;
      void dispatcher.dispatch(dialect, request).then((wire) => {
        respond(exchange, wire);
        if (!req.readableEnded) req.resume();
      });
      return;
    }
    if (!hasBody(req)) return void answer(exchange);
    const finish = (wire: WireResponse) => respond(exchange, wire);
    const limit = dispatcher.maxBodyBytes;
    const tooLarge = () => {
      // Answered at once, while the client may still be sending; the rest of the body is read and
      // dropped, since closing a socket with unread data resets it, and a reset connection loses
      // the answer on its way. A client that sends far more than that is cut off.
      finish(dispatcher.safeReject(dialect, request, { kind: "bodyTooLarge", limitBytes: limit }));
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
      finish(dispatcher.safeReject(dialect, request, { kind: "unreadableBody", message: e.message }));
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      request.body = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      void answer(exchange);
    });
  };
}

/** One request on its way through a dialect. */
interface Exchange {
  dispatcher: Dispatcher;
  dialect: Dialect;
  request: NodeRequest;
  res: ServerResponse;
  started: number;
  logged: boolean;
}

/** Dispatches, then sends the answer: an async function, where a `.then` callback would be one more function made per request. */
async function answer(exchange: Exchange): Promise<void> {
  respond(exchange, await exchange.dispatcher.dispatch(exchange.dialect, exchange.request));
}

function respond({ dispatcher, dialect, request, res, started, logged }: Exchange, wire: WireResponse): void {
  send(res, wire, request.method, logged ? () => dispatcher.log(request, wire.status, dialect, started, accessFields(request, wire)) : undefined);
}

function send(res: ServerResponse, wire: WireResponse, method: string, after: (() => void) | undefined): void {
  if (res.headersSent) return;
  if (wire.stream || (method === "HEAD" && wire.headers["content-length"] !== undefined)) return sendStream(res, wire, method, after);
  // A string body goes out as it is: node:http writes it in one piece with the head.
  const body = wire.body;
  const length = body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body, "utf8") : body.byteLength;
  // One writeHead with every header: cheaper than a setHeader call each.
  res.writeHead(wire.status, { ...wire.headers, "content-length": String(length) });
  if (after) res.on("finish", after);
  res.end(method === "HEAD" || length === 0 ? undefined : body);
}

/** A streamed body (an object's content), or a HEAD that declares the length of what a GET would send. */
function sendStream(res: ServerResponse, wire: WireResponse, method: string, after: (() => void) | undefined): void {
  res.writeHead(wire.status, wire.headers);
  if (after) res.on("finish", after);
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
