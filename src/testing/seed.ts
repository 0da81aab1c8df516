import type { Tag } from "../core/model/common.js";
import type { Manifest, ManifestField } from "../core/model/manifest.js";
import { encodeKey } from "../core/manifest/records.js";
import type { Body, ObjectRef, ObjectStore } from "../core/ports.js";

export interface SeedObject {
  key: string;
  body?: Body;
  tags?: Tag[];
  storageClass?: string;
  contentType?: string;
}

/**
 * Puts objects into a bucket (created first when the store can create buckets). A string stands
 * for an object of that key whose content is the key itself. Returns what each put returned.
 */
export async function seedObjects(
  store: ObjectStore,
  bucket: string,
  objects: readonly (string | SeedObject)[],
  options: { versioning?: boolean } = {},
): Promise<{ key: string; etag: string; versionId?: string }[]> {
  await store.createBucket?.(bucket, options);
  const written = [];
  for (const o of objects) {
    const object = typeof o === "string" ? { key: o } : o;
    const put = await store.put({
      bucket,
      key: object.key,
      body: object.body ?? object.key,
      tags: object.tags,
      storageClass: object.storageClass,
      contentType: object.contentType,
    });
    written.push({ key: object.key, ...put });
  }
  return written;
}

/** A manifest line: an object, or [bucket, key] / [bucket, key, versionId] with the key not yet encoded. */
export type ManifestRow = ObjectRef | readonly [string, string] | readonly [string, string, string];

/**
 * CSV manifest text: one `bucket,key[,versionId]` line per row, keys URL-encoded as every
 * provider requires (pass `encode: false` to write them exactly as given).
 */
export function manifestCsv(rows: readonly ManifestRow[], options: { encode?: boolean } = {}): string {
  const encode = options.encode ?? true;
  return rows
    .map((row) => {
      const [bucket, key, versionId] = Array.isArray(row) ? row : [(row as ObjectRef).bucket, (row as ObjectRef).key, (row as ObjectRef).versionId];
      const k = encode ? encodeKey(key!) : key!;
      return versionId === undefined ? `${bucket},${k}\n` : `${bucket},${k},${versionId}\n`;
    })
    .join("");
}

/**
 * Writes a CSV manifest and returns the job's `manifest` for it, ETag included. Rows with version
 * ids get the Fields Bucket, Key, VersionId.
 */
export async function seedManifest(
  store: ObjectStore,
  location: { bucket: string; key: string },
  rows: readonly ManifestRow[] | string,
  options: { encode?: boolean; fields?: ManifestField[] } = {},
): Promise<Manifest> {
  await store.createBucket?.(location.bucket);
  const text = typeof rows === "string" ? rows : manifestCsv(rows, options);
  const { etag } = await store.put({ bucket: location.bucket, key: location.key, body: text, contentType: "text/csv" });
  const versioned = typeof rows !== "string" && rows.some((r) => (Array.isArray(r) ? r.length === 3 : (r as ObjectRef).versionId !== undefined));
  const fields: ManifestField[] = options.fields ?? (versioned ? ["bucket", "key", "versionId"] : ["bucket", "key"]);
  return { location: { bucket: location.bucket, key: location.key, etag }, format: "csv", fields };
}
