import type { ManifestField } from "../model/manifest.js";
import { InvalidRecord, parseBatches, type BatchOptions, type ColumnLayout } from "./csv-batches.js";
import { csvFailure, invalidRecordError } from "./csv-errors.js";
import { parseInWorker } from "./csv-worker-client.js";
import { ManifestError, type TaskRecord } from "./records.js";

export type { ColumnLayout };

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

export interface ParseOptions extends BatchOptions {
  /** What the reasons call the body ("line 3" or "line 3 of data/a.csv.gz"). */
  name?: string;
  /**
   * Parse on the shared CSV worker thread (csv-worker-client.ts) rather than this one: for large
   * bodies, so that on two cores the parse runs beside the tasks. Same records, errors and count.
   */
  inWorker?: boolean;
}

/**
 * Streams the records of one CSV body in batches, never holding more than a batch and a chunk
 * (csv-batches.ts), in this thread or on the worker. A malformed line rejects with a ManifestError
 * whose reason names the line (`open` is called again to find it). Returns how many records the
 * body held (skipped ones included).
 */
export function parseRecords(
  open: () => Promise<AsyncIterable<Uint8Array>>,
  options: ParseOptions,
): AsyncGenerator<TaskRecord[], number, undefined> {
  return options.inWorker ? parseInWorker(open, options, parseInThread) : parseInThread(open, options);
}

async function* parseInThread(open: () => Promise<AsyncIterable<Uint8Array>>, options: ParseOptions): AsyncGenerator<TaskRecord[], number, undefined> {
  const body = await open();
  try {
    return yield* parseBatches(body, options);
  } catch (e) {
    if (e instanceof InvalidRecord) throw await invalidRecordError(open, e, options.firstOrdinal ?? 0, options.name);
    throw csvFailure(e, options.name);
  }
}
