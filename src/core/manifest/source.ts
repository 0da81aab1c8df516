import type { Job } from "../model/job.js";
import type { GeneratedManifest, ManifestField, ObjectLocation } from "../model/manifest.js";
import type { ObjectRef, ObjectStore } from "../ports.js";
import { csvLayout, parseRecords } from "./csv-reader.js";
import { parsesInWorker } from "./csv-worker-client.js";
import { checkGenerated, listRecords, writeGeneratedManifest } from "./generator.js";
import { inventoryRecords, readInventoryManifest } from "./inventory-reader.js";
import { ManifestError, manifestReadError, normalizeEtag, type TaskRecord } from "./records.js";

/** A job's records in batches; the generator returns how many records the manifest held. */
export type RecordBatches = AsyncGenerator<TaskRecord[], number, undefined>;

export interface PreparedManifest {
  total: number;
  /** The ETag of the manifest object read, pinned so that the run reads the same object. */
  etag?: string;
  /** Where a generator wrote the list it built (when the job asks for output). */
  generatedManifest?: GeneratedManifest;
}

/** Thrown when preparation stops early because the job was cancelled or the engine is stopping. */
export class PreparationStopped extends Error {
  constructor() {
    super("Preparation stopped");
    this.name = "PreparationStopped";
  }
}

/**
 * Preparing: opens the job's manifest, checks the ETag the job gives, reads and validates every
 * record and counts them. Rejects with a ManifestError when the manifest cannot be used, with
 * PreparationStopped as soon as `stopped()` says so.
 */
export async function prepareManifest(
  job: Job,
  objects: ObjectStore,
  now: number,
  stopped: () => boolean = () => false,
): Promise<PreparedManifest> {
  const generator = job.generator;
  if (generator && !job.generatedManifest) {
    const listed = stoppable(listRecords(objects, generator, { skip: 0 }), stopped);
    if (generator.enableOutput && generator.output) {
      const { manifest, total } = await writeGeneratedManifest(objects, job, listed, now);
      checkGenerated(generator, total);
      return { total, generatedManifest: manifest, etag: normalizeEtag(manifest.location.etag!) };
    }
    const total = await count(listed);
    checkGenerated(generator, total);
    return { total };
  }
  const { location, format, fields } = manifestOf(job);
  const first = await openChecked(objects, location);
  const records =
    format === "csv"
      ? parseRecords(opener(objects, location, first), { layout: csvLayout(fields), batchSize: 4096, inWorker: parsesInWorker(first.size) })
      : inventoryRecords(objects, await readInventoryManifest(first.body, location.bucket), { skip: 0, batchSize: 4096 });
  return { total: await count(stoppable(records, stopped)), etag: first.etag };
}

async function* stoppable(batches: AsyncIterable<TaskRecord[]>, stopped: () => boolean): AsyncGenerator<TaskRecord[]> {
  for await (const batch of batches) {
    if (stopped()) throw new PreparationStopped();
    yield batch;
  }
}

async function count(batches: AsyncIterable<TaskRecord[]>): Promise<number> {
  let n = 0;
  for await (const batch of batches) n += batch.length;
  return n;
}

/**
 * Running: the job's records from `skip` on (the ones before are done). `etag` is the one pinned
 * when preparing: a manifest replaced since then fails the job rather than running other objects.
 */
export async function openRecords(
  job: Job,
  objects: ObjectStore,
  options: { skip: number; etag?: string; batchSize?: number },
): Promise<RecordBatches> {
  if (job.generator && !job.generatedManifest) return listRecords(objects, job.generator, options);
  const { location, format, fields } = manifestOf(job);
  const first = await openChecked(objects, location, options.etag);
  if (format === "csv") {
    return parseRecords(opener(objects, location, first), {
      layout: csvLayout(fields),
      skip: options.skip,
      batchSize: options.batchSize,
      inWorker: parsesInWorker(first.size),
    });
  }
  const inventory = await readInventoryManifest(first.body, location.bucket);
  return inventoryRecords(objects, inventory, options);
}

function manifestOf(job: Job): { location: ObjectLocation; format: "csv" | "inventory"; fields?: ManifestField[] } {
  if (job.generatedManifest) return { location: job.generatedManifest.location, format: job.generatedManifest.format };
  if (!job.manifest) throw new ManifestError("InvalidManifest", "The job has neither a manifest nor a manifest generator");
  return { location: job.manifest.location, format: job.manifest.format, fields: job.manifest.fields };
}

interface Opened {
  body: AsyncIterable<Uint8Array>;
  etag: string;
  /** The object's size: a large manifest parses on the worker thread. */
  size: number;
}

async function openChecked(objects: ObjectStore, location: ObjectLocation, pinned?: string): Promise<Opened> {
  const ref: ObjectRef = { bucket: location.bucket, key: location.key };
  if (location.versionId !== undefined) ref.versionId = location.versionId;
  let got;
  try {
    got = await objects.get(ref);
  } catch (e) {
    throw manifestReadError(e);
  }
  const etag = normalizeEtag(got.info.etag);
  if (location.etag !== undefined && normalizeEtag(location.etag) !== etag) {
    throw new ManifestError(
      "ManifestETagMismatch",
      `The ETag of the manifest object (${got.info.etag}) does not match the ETag the job gives (${location.etag})`,
    );
  }
  if (pinned !== undefined && pinned !== etag) {
    throw new ManifestError("ManifestChanged", "The manifest object was replaced after the job was prepared");
  }
  return { body: got.body, etag, size: got.info.size };
}

/** The first open hands out the body already fetched; later ones (to name a bad line) fetch again. */
function opener(objects: ObjectStore, location: ObjectLocation, first: Opened): () => Promise<AsyncIterable<Uint8Array>> {
  let used = false;
  return async () => {
    if (!used) {
      used = true;
      return first.body;
    }
    return (await openChecked(objects, location, first.etag)).body;
  };
}
