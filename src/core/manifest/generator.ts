import { createHash } from "node:crypto";
import { pipeline, Readable } from "node:stream";
import { createGzip } from "node:zlib";
import type { Job } from "../model/job.js";
import type { GeneratedManifest, ManifestGenerator } from "../model/manifest.js";
import type { ObjectStore } from "../ports.js";
import { objectFilter } from "./filters.js";
import { encodeKey, ManifestError, manifestReadError, type TaskRecord } from "./records.js";

const PAGE = 1000;

/**
 * The objects a generator selects, listed through ObjectStore.list in key order, in batches: every
 * object under the prefix (OSS's KeyPrefixManifestGenerator) that passes the filter (S3's
 * S3JobManifestGenerator). Records act on each object's current version, like a manifest without
 * version ids.
 */
export async function* listRecords(
  objects: ObjectStore,
  generator: ManifestGenerator,
  options: { skip: number },
): AsyncGenerator<TaskRecord[], number, undefined> {
  const bucket = generator.sourceBucket;
  const replicates = generator.filter?.eligibleForReplication ? (await objects.replicationTarget?.(bucket)) !== undefined : false;
  const keep = objectFilter(generator.filter, { replicates });
  // A single key-prefix constraint narrows the listing itself.
  const prefixes = generator.filter?.keyPrefixes;
  const prefix = generator.prefix ?? (prefixes?.length === 1 ? prefixes[0] : undefined);
  let token: string | undefined;
  let ordinal = 0;
  do {
    let page;
    try {
      page = await objects.list({ bucket, prefix, continuationToken: token, maxKeys: PAGE });
    } catch (e) {
      throw manifestReadError(e, `the source bucket ${bucket}`);
    }
    const batch: TaskRecord[] = [];
    for (const o of page.objects) {
      if (keep && !keep(o)) continue;
      const i = ordinal++;
      if (i >= options.skip) batch.push({ bucket, key: o.key, versionId: undefined, encodedKey: encodeKey(o.key), ordinal: i });
    }
    if (batch.length > 0) yield batch;
    token = page.continuationToken;
  } while (token !== undefined);
  return ordinal;
}

/** The S3 generator fails when its filter matches nothing (S3's troubleshooting text); a bare prefix may be empty (OSS). */
export function checkGenerated(generator: ManifestGenerator, count: number): void {
  if (count === 0 && generator.filter !== undefined && Object.values(generator.filter).some((v) => v !== undefined)) {
    throw new ManifestError("NoMatchingObjects", "Manifest generation found no keys matching the filter criteria");
  }
}

/** Column schema of a generated manifest (an inventory report without version ids). */
const GENERATED_SCHEMA = "Bucket, Key";

/**
 * Writes the generated list as an inventory report (manifest.json plus one gzip CSV data file)
 * under `<prefix>/job-<id>/generated/` of the output location, and returns where it went. The
 * key layout is unspecified by the providers; `generated/` keeps it apart from the report's
 * `job-<id>/manifest.json`. The job then runs on this snapshot.
 */
export async function writeGeneratedManifest(
  objects: ObjectStore,
  job: Job,
  records: AsyncIterable<TaskRecord[]>,
  now: number,
): Promise<{ manifest: GeneratedManifest; total: number }> {
  const output = job.generator!.output!;
  const base = `${output.prefix ? `${output.prefix.replace(/\/$/, "")}/` : ""}job-${job.id}/generated`;
  const dataKey = `${base}/data/${createHash("sha1").update(job.id).digest("hex")}.csv.gz`;
  let total = 0;
  let size = 0;
  const md5 = createHash("md5");
  async function* lines(): AsyncGenerator<string> {
    for await (const batch of records) {
      total += batch.length;
      yield batch.map((r) => `"${r.bucket}","${r.encodedKey}"\n`).join("");
    }
  }
  async function* measured(gz: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of gz) {
      size += chunk.byteLength;
      md5.update(chunk);
      yield chunk;
    }
  }
  const gzip = createGzip();
  let listingError: unknown;
  pipeline(Readable.from(lines()), gzip, (e) => (listingError ??= e ?? undefined));
  try {
    await objects.put({ bucket: output.bucket, key: dataKey, body: measured(gzip), contentType: "application/gzip" });
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    if (listingError instanceof ManifestError) throw listingError;
    throw new ManifestError("GeneratedManifestNotWritten", `The generated manifest could not be written to bucket ${output.bucket}: ${describe(e)}`);
  }
  if (listingError instanceof ManifestError) throw listingError;
  const manifestJson = JSON.stringify({
    sourceBucket: job.generator!.sourceBucket,
    destinationBucket: output.bucket,
    version: "2021-11-30",
    creationTimestamp: String(now),
    fileFormat: "CSV",
    fileSchema: GENERATED_SCHEMA,
    files: [{ key: dataKey, size, MD5checksum: md5.digest("hex") }],
  });
  const key = `${base}/manifest.json`;
  let etag: string;
  try {
    ({ etag } = await objects.put({ bucket: output.bucket, key, body: manifestJson, contentType: "application/json" }));
  } catch (e) {
    throw new ManifestError("GeneratedManifestNotWritten", `The generated manifest could not be written to bucket ${output.bucket}: ${describe(e)}`);
  }
  return { manifest: { location: { bucket: output.bucket, key, etag }, format: "inventory" }, total };
}

function describe(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  return typeof err?.code === "string" ? `${err.code} (${String(err.message)})` : String(err?.message ?? e);
}
