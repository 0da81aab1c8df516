import type { IncomingHttpHeaders } from "node:http";

/**
 * The fetch `Headers` interface read straight off a Node request's header object. node:http has
 * already lower-cased the names, joined repeated headers and refused bad bytes, so copying every
 * header into a WHATWG `Headers` (which checks each one again) cost every request a few
 * microseconds that dialects, which only `get` a handful of headers, never needed. A lookup here
 * is a property read. Anything else (iteration, a change) first builds that copy and works on it,
 * so the rare caller sees exactly what a real `Headers` would give.
 */
export class NodeHeaders implements Headers {
  private copy: Headers | undefined;

  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    if (this.copy) return this.copy.get(name);
    // Inherited members of the plain object (`constructor`...) are neither strings nor arrays.
    const value = this.raw[name.toLowerCase()];
    return typeof value === "string" ? value : Array.isArray(value) ? value.join(", ") : null;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  getSetCookie(): string[] {
    return this.materialized().getSetCookie();
  }

  set(name: string, value: string): void {
    this.materialized().set(name, value);
  }

  append(name: string, value: string): void {
    this.materialized().append(name, value);
  }

  delete(name: string): void {
    this.materialized().delete(name);
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.materialized().forEach((value, key) => callback.call(thisArg, value, key, this));
  }

  entries(): ReturnType<Headers["entries"]> {
    return this.materialized().entries();
  }

  keys(): ReturnType<Headers["keys"]> {
    return this.materialized().keys();
  }

  values(): ReturnType<Headers["values"]> {
    return this.materialized().values();
  }

  [Symbol.iterator](): ReturnType<Headers["entries"]> {
    return this.materialized().entries();
  }

  private materialized(): Headers {
    return (this.copy ??= toHeaders(this.raw));
  }
}

/** A WHATWG copy of Node's headers. */
export function toHeaders(raw: IncomingHttpHeaders): Headers {
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
