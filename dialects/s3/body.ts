import { S3Error } from "./errors.js";

/**
 * Object bodies as streams: aws-chunked framing undone, byte ranges cut out, neither ever holding
 * more than a chunk.
 */

/** Whether the client framed the body as aws-chunked (the SDKs' streaming uploads with a checksum trailer). */
export function isAwsChunked(headers: Headers): boolean {
  return (headers.get("x-amz-content-sha256") ?? "").startsWith("STREAMING-") || /(?:^|,)\s*aws-chunked\s*(?:,|$)/i.test(headers.get("content-encoding") ?? "");
}

const MAX_CHUNK_HEADER = 4096;

/**
 * Undoes aws-chunked: `hex-size[;chunk-signature=...]\r\n<bytes>\r\n` ... `0\r\n<trailers>\r\n`.
 * Chunk signatures and trailing checksums are not checked (the SigV4 seed signature is).
 */
export async function* decodeAwsChunked(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buffer: Buffer = Buffer.alloc(0);
  let remaining = -1; // bytes of the current chunk still to pass; -1: reading a chunk header
  let finished = false;
  const it = source[Symbol.asyncIterator]();
  const more = async (): Promise<boolean> => {
    const { done, value } = await it.next();
    if (done) return false;
    buffer = buffer.length === 0 ? Buffer.from(value) : Buffer.concat([buffer, value]);
    return true;
  };
  for (;;) {
    if (remaining < 0) {
      const eol = buffer.indexOf("\r\n");
      if (eol < 0) {
        if (buffer.length > MAX_CHUNK_HEADER) throw new S3Error("IncompleteBody", "An aws-chunked chunk header is too long");
        if (!(await more())) throw new S3Error("IncompleteBody", "The aws-chunked body ended inside a chunk header");
        continue;
      }
      const line = buffer.subarray(0, eol).toString("latin1");
      buffer = buffer.subarray(eol + 2);
      const size = /^([0-9a-fA-F]{1,8})(?:;.*)?$/.exec(line);
      if (!size) throw new S3Error("IncompleteBody", `The aws-chunked chunk header "${line.slice(0, 64)}" is malformed`);
      remaining = parseInt(size[1]!, 16);
      if (remaining === 0) {
        finished = true;
        break;
      }
    }
    if (buffer.length === 0 && !(await more())) throw new S3Error("IncompleteBody", "The aws-chunked body ended inside a chunk");
    const take = Math.min(remaining, buffer.length);
    if (take > 0) {
      yield buffer.subarray(0, take);
      buffer = buffer.subarray(take);
      remaining -= take;
    }
    if (remaining === 0) {
      while (buffer.length < 2) if (!(await more())) throw new S3Error("IncompleteBody", "The aws-chunked body ended after a chunk");
      if (buffer[0] !== 13 || buffer[1] !== 10) throw new S3Error("IncompleteBody", "An aws-chunked chunk is longer than its header says");
      buffer = buffer.subarray(2);
      remaining = -1;
    }
  }
  // Trailers (x-amz-checksum-crc32:...) and the final CRLF: read to the end and dropped.
  while (finished && (await more())) if (buffer.length > 64 * 1024) throw new S3Error("IncompleteBody", "The aws-chunked trailer is too long");
}

/** Counts what passes; with `expected`, a body that ends short or runs long is IncompleteBody. */
export async function* counted(source: AsyncIterable<Uint8Array>, expected: number | undefined): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const chunk of source) {
    n += chunk.byteLength;
    if (expected !== undefined && n > expected) throw new S3Error("IncompleteBody", `The body is longer than the ${expected} bytes its length says`);
    yield chunk;
  }
  if (expected !== undefined && n < expected) throw new S3Error("IncompleteBody", `You did not provide the number of bytes specified by the Content-Length HTTP header (${n} of ${expected})`);
}

/** The content of an upload: the body stream with aws-chunked undone and its declared length checked. */
export function uploadBody(headers: Headers, stream: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  if (isAwsChunked(headers)) {
    const decoded = headers.get("x-amz-decoded-content-length");
    return counted(decodeAwsChunked(stream), decoded === null ? undefined : lengthOf(decoded));
  }
  const length = headers.get("content-length");
  return counted(stream, length === null ? undefined : lengthOf(length));
}

function lengthOf(text: string): number {
  if (!/^\d{1,15}$/.test(text.trim())) throw new S3Error("InvalidArgument", `The length "${text.slice(0, 32)}" is not a number of bytes`);
  return Number(text.trim());
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/**
 * `Range: bytes=a-b`, `bytes=a-`, `bytes=-n` against an object of `size` bytes; undefined for no
 * (or an unreadable, hence ignored, as HTTP says) range; InvalidRange when it lies past the end.
 */
export function parseRange(header: string | null, size: number): ByteRange | undefined {
  if (header === null) return undefined;
  const m = /^\s*bytes=(\d*)-(\d*)\s*$/.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return undefined;
  const invalid = () => new S3Error("InvalidRange", "The requested range is not satisfiable", { RangeRequested: header.slice(0, 64), ActualObjectSize: String(size) });
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) throw invalid();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return undefined;
  if (start >= size) throw invalid();
  return { start, end };
}

/** The bytes [start, end] of a stream; the rest is not read. */
export async function* sliced(source: AsyncIterable<Uint8Array>, range: ByteRange): AsyncGenerator<Uint8Array> {
  let at = 0;
  for await (const chunk of source) {
    const from = Math.max(range.start - at, 0);
    const to = Math.min(range.end + 1 - at, chunk.byteLength);
    if (to > from) yield chunk.subarray(from, to);
    at += chunk.byteLength;
    if (at > range.end) return;
  }
}
