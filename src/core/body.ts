import type { Body } from "./ports.js";

const CHUNK = 64 * 1024;
const encoder = new TextEncoder();

/** Reads a whole body into one buffer (for small objects: manifests' metadata, test data). */
export async function bodyToBytes(body: Body): Promise<Uint8Array> {
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  // Always a new plain Uint8Array for a stream, even of one chunk (which may be a Buffer, or shared).
  return concatBytes(await bodyChunks(body));
}

/**
 * A body's bytes as the chunks it came in (a string or a buffer as one chunk, empty chunks left
 * out), for a store that keeps them as they are: a job's report, joined from a thousand parts,
 * is not copied into one buffer.
 */
export async function bodyChunks(body: Body): Promise<Uint8Array[]> {
  if (typeof body === "string") return [encoder.encode(body)];
  if (body instanceof Uint8Array) return body.byteLength === 0 ? [] : [body];
  const parts: Uint8Array[] = [];
  for await (const part of body) if (part.byteLength > 0) parts.push(part);
  return parts;
}

/** The chunks end to end in one new buffer (`size`: their total length, when known). */
export function concatBytes(parts: readonly Uint8Array[], size = parts.reduce((n, p) => n + p.byteLength, 0)): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** A buffer (or buffers, end to end) as a stream of chunks of at most `size` bytes, the shape every store's `get` returns. */
export async function* chunked(data: Uint8Array | readonly Uint8Array[], size = CHUNK): AsyncIterable<Uint8Array> {
  for (const part of data instanceof Uint8Array ? [data] : data) {
    for (let at = 0; at < part.byteLength; at += size) yield part.subarray(at, Math.min(at + size, part.byteLength));
  }
}
