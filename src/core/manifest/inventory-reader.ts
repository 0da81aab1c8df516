import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { z } from "zod";
import { bodyToBytes } from "../body.js";
import type { ObjectInfo, ObjectRef, ObjectStore } from "../ports.js";
import { parseRecords, schemaLayout, type ColumnLayout } from "./csv-reader.js";
import { parsesInWorker } from "./csv-worker-client.js";
import { ManifestError, manifestReadError, type TaskRecord } from "./records.js";

/**
 * An inventory report's manifest.json: S3's and COS's share what the engine needs (spec S3 §6.10,
 * COS §9.2): the data files, their column schema and format. Other members are ignored.
 */
const inventoryManifestSchema = z.object({
  sourceBucket: z.string().min(1).optional(),
  fileFormat: z.string().optional(),
  fileSchema: z.string().min(1),
  files: z.array(z.object({ key: z.string().min(1) })),
});

export interface InventoryManifest {
  /** Data files, in the bucket that holds manifest.json (the inventory's destination bucket). */
  files: ObjectRef[];
  layout: ColumnLayout;
}

/** manifest.json is metadata: a few KiB per thousand data files. More than this is not a manifest. */
const MAX_MANIFEST_JSON = 16 * 1024 * 1024;

export async function readInventoryManifest(body: AsyncIterable<Uint8Array>, bucket: string): Promise<InventoryManifest> {
  let text: string;
  try {
    text = new TextDecoder().decode(await bodyToBytes(limited(body, MAX_MANIFEST_JSON)));
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    throw manifestReadError(e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ManifestError("InvalidManifestContent", "The inventory manifest.json is not valid JSON");
  }
  const parsed = inventoryManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ManifestError("InvalidManifestContent", `The inventory manifest.json is invalid at ${issue.path.join(".") || "its root"}: ${issue.message}`);
  }
  const m = parsed.data;
  // Only CSV inventories can be manifests (the _CSV_ of the format's name).
  if (m.fileFormat !== undefined && m.fileFormat.toUpperCase() !== "CSV") {
    throw new ManifestError("InvalidManifestContent", `Only CSV inventory reports can be used as manifests, not ${m.fileFormat}`);
  }
  return { files: m.files.map((f) => ({ bucket, key: f.key })), layout: schemaLayout(m.fileSchema, m.sourceBucket) };
}

/** The records of every data file in turn, ordinals running on across files. */
export async function* inventoryRecords(
  objects: ObjectStore,
  inventory: InventoryManifest,
  options: { skip: number; batchSize?: number },
): AsyncGenerator<TaskRecord[], number, undefined> {
  let ordinal = 0;
  for (const file of inventory.files) {
    // Fetched first for its size (a large file parses on the worker thread); the first open hands
    // out this body, later ones (to name a bad line, or after a lost worker) fetch it again.
    let first: { info: ObjectInfo; body: AsyncIterable<Uint8Array> } | undefined = await openFile(objects, file);
    const size = first.info.size;
    const open = async () => {
      const body = first?.body ?? (await openFile(objects, file)).body;
      first = undefined;
      return gunzipIfNeeded(body);
    };
    ordinal += yield* parseRecords(open, {
      layout: inventory.layout,
      skip: Math.max(0, options.skip - ordinal),
      firstOrdinal: ordinal,
      batchSize: options.batchSize,
      name: file.key,
      inWorker: parsesInWorker(size),
    });
  }
  return ordinal;
}

async function openFile(objects: ObjectStore, file: ObjectRef): Promise<{ info: ObjectInfo; body: AsyncIterable<Uint8Array> }> {
  try {
    return await objects.get(file);
  } catch (e) {
    throw manifestReadError(e, `the inventory data file ${file.key}`);
  }
}

/** Inventory data files are gzip CSV (.csv.gz); the magic bytes decide, not the name. */
export async function* gunzipIfNeeded(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const it = body[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const rest: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => it };
  if (!(first.value[0] === 0x1f && first.value[1] === 0x8b)) {
    yield first.value;
    yield* rest;
    return;
  }
  const gunzip = createGunzip();
  pipeline(Readable.from(prepend(first.value, rest)), gunzip, () => {});
  yield* gunzip as AsyncIterable<Uint8Array>;
}

async function* prepend(head: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield head;
  yield* rest;
}

async function* limited(body: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > max) throw new ManifestError("InvalidManifestContent", `The inventory manifest.json is larger than ${max} bytes`);
    yield chunk;
  }
}
