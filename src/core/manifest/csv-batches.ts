import { parse, type Options } from "csv-parse";
import { pipeline, Readable } from "node:stream";
import { decodeKey, type TaskRecord } from "./records.js";

/**
 * The CSV parse both threads run (the main thread's in-thread path and the parse worker's): the one
 * copy of the csv-parse settings, the record checks and the batching loop. It knows nothing of
 * stores or threads: its body is any stream of bytes, its failures are thrown raw (the caller maps
 * them to ManifestErrors, on the main thread, where the line of a bad record can be looked up).
 */

/** Which column holds what; -1 when absent. Plain data: it is cloned to the parse worker. */
export interface ColumnLayout {
  readonly bucket: number;
  readonly key: number;
  readonly versionId: number;
  readonly minColumns: number;
  readonly maxColumns: number;
  /** The bucket of every record when no column names one (an inventory without a Bucket column). */
  readonly defaultBucket?: string;
}

/** What the batching loop needs: plain data, the same on either thread. */
export interface BatchOptions {
  layout: ColumnLayout;
  /** Records of this body before this index are read but not returned (already done). */
  skip?: number;
  /** The ordinal of this body's first record (bodies after the first of an inventory go on counting). */
  firstOrdinal?: number;
  batchSize?: number;
}

/**
 * csv-parse settings for manifests: no header row, quoted fields, a BOM and blank lines skipped,
 * one record at most 64 KiB so a hostile line cannot grow memory. Whitespace around fields is
 * trimmed in `toRecord` (cheaper than csv-parse's `trim` on the hot path): COS's sample rows put a
 * space after each comma, and keys are URL-encoded, so a key's own spaces are never raw.
 */
export const CSV_OPTIONS: Options = {
  bom: true,
  skip_empty_lines: true,
  relax_column_count: true,
  max_record_size: 64 * 1024,
};

/** Record `index` (0-based, of the body) is malformed; `reason` says how. The caller names its line. */
export class InvalidRecord extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = "InvalidRecord";
  }
}

/**
 * Streams the records of one CSV body in batches, never holding more than a batch and a chunk.
 * Pulls records with `read()` rather than one promise per record. Throws InvalidRecord for a
 * malformed record and csv-parse's or the body's own error as it is. Returns how many records the
 * body held (skipped ones included).
 */
export async function* parseBatches(body: AsyncIterable<Uint8Array>, options: BatchOptions): AsyncGenerator<TaskRecord[], number, undefined> {
  const { layout } = options;
  const skip = options.skip ?? 0;
  const first = options.firstOrdinal ?? 0;
  const size = options.batchSize ?? 512;
  const parser = parse(CSV_OPTIONS);
  let failure: unknown;
  let ended = false;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  parser.on("readable", poke);
  parser.on("end", () => {
    ended = true;
    poke();
  });
  // Two chunks read ahead, not Readable.from's sixteen: the parse is what waits, not the body.
  pipeline(Readable.from(body, { highWaterMark: 2 }), parser, (e) => {
    if (e && !ended) failure ??= e;
    poke();
  });

  let index = 0;
  try {
    for (;;) {
      const batch: TaskRecord[] = [];
      let raw: string[] | null;
      while (batch.length < size && (raw = parser.read() as string[] | null) !== null) {
        const i = index++;
        if (i < skip) continue;
        const record = toRecord(raw, layout, first + i);
        if (typeof record === "string") throw new InvalidRecord(i, record);
        batch.push(record);
      }
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return index;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    parser.destroy();
  }
}

/** One CSV record as a task, or why it is not one. */
export function toRecord(raw: string[], layout: ColumnLayout, ordinal: number): TaskRecord | string {
  const n = raw.length;
  if (n < layout.minColumns || n > layout.maxColumns) {
    const want = layout.minColumns === layout.maxColumns ? `${layout.minColumns}` : `${layout.minColumns} to ${layout.maxColumns}`;
    return `expected ${want} columns, found ${n}`;
  }
  const bucket = layout.bucket >= 0 ? trim(raw[layout.bucket]!) : layout.defaultBucket!;
  if (bucket === "") return "the bucket is empty";
  const encodedKey = trim(raw[layout.key]!);
  if (encodedKey === "") return "the key is empty";
  const key = decodeKey(encodedKey);
  if (key === undefined) return `the key "${encodedKey.slice(0, 100)}" is not valid URL encoding`;
  // A VersionId column left empty stays "": the engine fails that task (S3: missing VersionId).
  const versionId = layout.versionId >= 0 && layout.versionId < n ? trim(raw[layout.versionId]!) : undefined;
  return { bucket, key, versionId, encodedKey, ordinal };
}

function trim(field: string): string {
  return field.length > 0 && (field.charCodeAt(0) <= 32 || field.charCodeAt(field.length - 1) <= 32) ? field.trim() : field;
}
