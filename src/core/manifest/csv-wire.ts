import type { BatchOptions } from "./csv-batches.js";
import type { TaskRecord } from "./records.js";

/**
 * The messages between the main thread and the CSV parse worker, and the batch encoding. Sessions
 * (one a parse) are multiplexed over the worker's one port by id. Flow is credit-based both ways:
 * the worker asks for chunks (`want`), the main thread for batches (`credit`), so neither runs more
 * than a few messages ahead of the other.
 */
export type ToWorker =
  | { t: "open"; id: number; options: BatchOptions; credit: number }
  | { t: "chunk"; id: number; bytes: ArrayBuffer }
  | { t: "end"; id: number }
  | { t: "credit"; id: number; n: number }
  | { t: "close"; id: number }
  | { t: "stats" };

export type FromWorker =
  | { t: "ready" }
  | { t: "want"; id: number; n: number }
  | ({ t: "batch"; id: number } & EncodedBatch)
  | { t: "done"; id: number; count: number }
  | { t: "invalid"; id: number; index: number; reason: string }
  | { t: "failed"; id: number; error: { code?: string; message: string; lines?: number } }
  | { t: "stats"; sessions: number };

/**
 * A batch of records as one string and the lengths of its fields: cloning one string and moving
 * one Int32Array costs a small fraction of cloning as many objects, and unpacking is one loop of
 * slices. Four lengths a record: bucket (-1: the bucket of the record before), key, encodedKey (-1:
 * the key itself), versionId (-1: none). Ordinals run on from `first`.
 */
export interface EncodedBatch {
  first: number;
  text: string;
  lengths: Int32Array;
}

const SLOTS = 4;

export function encodeBatch(records: readonly TaskRecord[]): EncodedBatch {
  const lengths = new Int32Array(records.length * SLOTS);
  let text = "";
  let bucket: string | undefined;
  for (let r = 0, o = 0; r < records.length; r++, o += SLOTS) {
    const record = records[r]!;
    if (record.bucket !== bucket) {
      bucket = record.bucket;
      text += bucket;
      lengths[o] = bucket.length;
    } else lengths[o] = -1;
    text += record.key;
    lengths[o + 1] = record.key.length;
    if (record.encodedKey !== record.key) {
      text += record.encodedKey;
      lengths[o + 2] = record.encodedKey.length;
    } else lengths[o + 2] = -1;
    if (record.versionId !== undefined) {
      text += record.versionId;
      lengths[o + 3] = record.versionId.length;
    } else lengths[o + 3] = -1;
  }
  return { first: records.length > 0 ? records[0]!.ordinal : 0, text, lengths };
}

/** The records of a batch, in the shape (and property order) the in-thread parse gives them. */
export function decodeBatch({ first, text, lengths }: EncodedBatch): TaskRecord[] {
  const n = lengths.length / SLOTS;
  const out = new Array<TaskRecord>(n);
  let at = 0;
  let bucket = "";
  for (let r = 0, o = 0; r < n; r++, o += SLOTS) {
    const b = lengths[o]!;
    if (b >= 0) bucket = text.slice(at, (at += b));
    const key = text.slice(at, (at += lengths[o + 1]!));
    const e = lengths[o + 2]!;
    const encodedKey = e < 0 ? key : text.slice(at, (at += e));
    const v = lengths[o + 3]!;
    const versionId = v < 0 ? undefined : text.slice(at, (at += v));
    out[r] = { bucket, key, versionId, encodedKey, ordinal: first + r };
  }
  return out;
}
