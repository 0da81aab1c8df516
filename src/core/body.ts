import type { Body } from "./ports.js";

const CHUNK = 64 * 1024;
const encoder = new TextEncoder();

/** Reads a whole body into one buffer (for small objects: manifests' metadata, test data). */
export async function bodyToBytes(body: Body): Promise<Uint8Array> {
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of body) {
    parts.push(part);
    size += part.byteLength;
  }
  return concatBytes(parts, size);
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

/** A buffer as a stream of chunks, the shape every store's `get` returns. */
export async function* chunked(data: Uint8Array, size = CHUNK): AsyncIterable<Uint8Array> {
  for (let at = 0; at < data.byteLength; at += size) yield data.subarray(at, Math.min(at + size, data.byteLength));
}
