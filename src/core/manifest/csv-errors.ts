import { parse, type CsvError } from "csv-parse";
import { pipeline, Readable } from "node:stream";
import { CSV_OPTIONS, type InvalidRecord } from "./csv-batches.js";
import { ManifestError } from "./records.js";

/**
 * How a CSV body's failures read in a job's failure reasons, whichever thread parsed it: a bad
 * record by its line, csv-parse's own errors by theirs, a store's error while streaming by its code.
 */

export type Opener = () => Promise<AsyncIterable<Uint8Array>>;

/** A malformed record as the job's failure: the reason names its line (`open` is called again to find it). */
export async function invalidRecordError(open: Opener, bad: InvalidRecord, first: number, name: string | undefined): Promise<ManifestError> {
  const line = await lineOfRecord(open, bad.index).catch(() => undefined);
  return new ManifestError("InvalidManifestContent", `${where(line, bad.index, name)}: ${bad.reason}`, first + bad.index);
}

/**
 * csv-parse's CSV_* errors, a broken stream or a store's error while streaming, as ManifestErrors.
 * `error` may be a plain `{ code, message, lines }`: a csv-parse error as the parse worker sends it.
 */
export function csvFailure(error: unknown, name: string | undefined): ManifestError {
  const e = error as CsvError & { lines?: number; status?: number };
  if (typeof e?.code === "string" && e.code.startsWith("CSV_")) {
    return new ManifestError("InvalidManifestContent", `${where(e.lines, 0, name)}: ${e.message}`);
  }
  if (error instanceof ManifestError) return error;
  const message = error instanceof Error ? error.message : typeof e?.message === "string" ? e.message : String(error);
  // Corrupt gzip data, or a stream that broke: the content cannot be read.
  if (typeof e?.code !== "string" || e.code.startsWith("Z_") || e.code.startsWith("ERR_")) {
    return new ManifestError("InvalidManifestContent", `Reading ${name ?? "the manifest"} failed: ${message}`);
  }
  // The store's own error, raised while streaming the body.
  return new ManifestError(e.code, `Reading ${name ?? "the manifest"} failed: ${e.code} (${message})`);
}

function where(line: number | undefined, index: number, name: string | undefined): string {
  const at = line === undefined ? `Record ${index + 1}` : `Line ${line}`;
  return name === undefined ? at : `${at} of ${name}`;
}

/** The line (1-based) on which record `index` ends: the slow path, taken only to name a bad line. */
async function lineOfRecord(open: Opener, index: number): Promise<number | undefined> {
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
