import type { IncomingMessage } from "node:http";
import type { WireRequest } from "../../dialects/dialect.js";
import type { Principal } from "../../dialects/signature.js";
import { requestUrl, targetPath } from "./dispatcher.js";
import { NodeHeaders } from "./node-headers.js";

const NO_BODY = new Uint8Array(0);

/** `url`, parsed on first use and kept; an own enumerable accessor, so that `{ ...request }` still carries it. */
const LAZY_URL: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: NodeRequest): URL {
    return (this.parsedUrl ??= requestUrl(this.target, this.headers.get("host") ?? undefined));
  },
};

/**
 * A Node request as the dialects read it. Its headers are read in place (NodeHeaders) and its
 * URL is parsed only when something asks for it: routing, signature checks and most answers
 * need only the method, the path as sent and a few headers.
 */
export class NodeRequest implements WireRequest {
  readonly method: string;
  readonly headers: Headers;
  /** The path as sent (see RequestHead.path). */
  readonly path: string;
  /** The request target as sent (origin or absolute form). */
  readonly target: string;
  /** Set once the whole body is read; empty until then and for requests without one. */
  body: Uint8Array = NO_BODY;
  /** The body unread, for a dialect that streams it (`streamsBody`): set instead of `body`. */
  stream?: AsyncIterable<Uint8Array>;
  principal?: Principal;
  declare readonly url: URL;
  /** The URL once parsed (by the `url` accessor). */
  parsedUrl: URL | undefined;

  constructor(req: IncomingMessage) {
    this.method = (req.method ?? "GET").toUpperCase();
    this.headers = new NodeHeaders(req.headers);
    this.target = req.url ?? "/";
    this.path = targetPath(this.target);
    Object.defineProperty(this, "url", LAZY_URL);
  }
}

/**
 * Whether a request carries a body: HTTP/1.1 gives one only to a request with a Content-Length
 * above 0 or a Transfer-Encoding (RFC 9112 §6.3), so a GET or DELETE without either is answered
 * without waiting for the end of a stream that holds nothing.
 */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}
