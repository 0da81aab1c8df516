import { parse, type CsvError, type Options } from "csv-parse";
import { pipeline, Readable } from "node:stream";
import type { ManifestField } from "../model/manifest.js";
import { decodeKey, ManifestError, type TaskRecord } from "./records.js";

/** Which column holds what; -1 when absent. */
export interface ColumnLayout {
  readonly bucket: number;
  readonly key: number;
  readonly versionId: number;
  readonly minColumns: number;
  readonly maxColumns: number;
  /** The bucket of every record when no column names one (an inventory without a Bucket column). */
  readonly defaultBucket?: string;
}

/**
 * The layout `Fields` describes. Without Fields a line is `bucket,key` or `bucket,key,versionId`
 * (S3's documented manifest lines). With Fields every line has exactly that many columns.
 */
export function csvLayout(fields?: readonly ManifestField[]): ColumnLayout {
  if (fields === undefined || fields.length === 0) return { bucket: 0, key: 1, versionId: 2, minColumns: 2, maxColumns: 3 };
  const bucket = fields.indexOf("bucket");
  const key = fields.indexOf("key");
  if (bucket < 0 || key < 0) throw new ManifestError("InvalidManifestFields", "The manifest's Fields must name both Bucket and Key");
  return { bucket, key, versionId: fields.indexOf("versionId"), minColumns: fields.length, maxColumns: fields.length };
}

/** An inventory's `fileSchema` ("Bucket, Key, VersionId, IsLatest, ...") as a layout. */
export function schemaLayout(fileSchema: string, defaultBucket?: string): ColumnLayout {
  const names = fileSchema.split(",").map((n) => n.trim().toLowerCase());
  const bucket = names.indexOf("bucket");
  const key = names.indexOf("key");
  if (key < 0) throw new ManifestError("InvalidManifestContent", `The inventory schema "${fileSchema}" has no Key column`);
  if (bucket < 0 && defaultBucket === undefined) {
    throw new ManifestError("InvalidManifestContent", `The inventory schema "${fileSchema}" has no Bucket column and the inventory names no source bucket`);
  }
  const layout = { bucket, key, versionId: names.indexOf("versionid"), minColumns: names.length, maxColumns: names.length };
  return defaultBucket === undefined ? layout : { ...layout, defaultBucket };
}

export interface ParseOptions {
  layout: ColumnLayout;
  /** Records of this body before this index are read but not returned (already done). */
  skip?: number;
  /** The ordinal of this body's first record (bodies after the first of an inventory go on counting). */
  firstOrdinal?: number;
  batchSize?: number;
  /** What the reasons call the body ("line 3" or "line 3 of data/a.csv.gz"). */
  name?: string;
}

/**
 * csv-parse settings for manifests: no header row, quoted fields, a BOM and blank lines skipped,
 * one record at most 64 KiB so a hostile line cannot grow memory. Whitespace around fields is
 * trimmed in `toRecord` (cheaper than csv-parse's `trim` on the hot path): COS's sample rows put a
 * space after each comma, and keys are URL-encoded, so a key's own spaces are never raw.
 */
const CSV_OPTIONS: Options = {
  bom: true,
  skip_empty_lines: true,
  relax_column_count: true,
  max_record_size: 64 * 1024,
};

/**
 * Streams the records of one CSV body in batches, never holding more than a batch and a chunk.
 * Pulls records with `read()` rather than one promise per record. A malformed line rejects with a
 * ManifestError whose reason names the line (`open` is called again to find it). Returns how many
 * records the body held (skipped ones included).
 */
export async function* parseRecords(
  open: () => Promise<AsyncIterable<Uint8Array>>,
  options: ParseOptions,
): AsyncGenerator<TaskRecord[], number, undefined> {
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
  pipeline(Readable.from(await open()), parser, (e) => {
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
        if (typeof record === "string") {
          const line = await lineOfRecord(open, i).catch(() => undefined);
          throw new ManifestError("InvalidManifestContent", `${where(line, i, options.name)}: ${record}`, first + i);
        }
        batch.push(record);
      }
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      if (failure !== undefined) throw csvFailure(failure, options.name);
      if (ended) return index;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    parser.destroy();
  }
}

function toRecord(raw: string[], layout: ColumnLayout, ordinal: number): TaskRecord | string {
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

function where(line: number | undefined, index: number, name: string | undefined): string {
  const at = line === undefined ? `Record ${index + 1}` : `Line ${line}`;
  return name === undefined ? at : `${at} of ${name}`;
}

function csvFailure(error: unknown, name: string | undefined): ManifestError {
  const e = error as CsvError & { lines?: number; status?: number };
  if (typeof e?.code === "string" && e.code.startsWith("CSV_")) {
    return new ManifestError("InvalidManifestContent", `${where(e.lines, 0, name)}: ${e.message}`);
  }
  if (error instanceof ManifestError) return error;
  const message = error instanceof Error ? error.message : String(error);
  // Corrupt gzip data, or a stream that broke: the content cannot be read.
  if (typeof e?.code !== "string" || e.code.startsWith("Z_") || e.code.startsWith("ERR_")) {
    return new ManifestError("InvalidManifestContent", `Reading ${name ?? "the manifest"} failed: ${message}`);
  }
  // The store's own error, raised while streaming the body.
  return new ManifestError(e.code, `Reading ${name ?? "the manifest"} failed: ${e.code} (${message})`);
}

/** The line (1-based) on which record `index` ends: the slow path, taken only to name a bad line. */
async function lineOfRecord(open: () => Promise<AsyncIterable<Uint8Array>>, index: number): Promise<number | undefined> {
  const parser = parse({ ...CSV_OPTIONS, info: true });
  pipeline(Readable.from(await open()), parser, () => {});
  let i = 0;
  try {
    for await (const item of parser as AsyncIterable<{ info: { lines: number } }>) {
      if (i++ === index) return item.info.lines;
    }
  } finally {
    parser.destroy();
  }
  return undefined;
}
