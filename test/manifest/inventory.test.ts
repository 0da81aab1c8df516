import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { bedWith, DATA } from "../engine/support.js";

type Bed = Awaited<ReturnType<typeof bedWith>>;

async function inventory(bed: Bed, json: object, files: Record<string, string | Uint8Array>) {
  await bed.objects.createBucket("inventory");
  for (const [key, body] of Object.entries(files)) await bed.objects.put({ bucket: "inventory", key, body });
  const { etag } = await bed.objects.put({ bucket: "inventory", key: "inv/data/cfg/2026-01-01T00-00Z/manifest.json", body: JSON.stringify(json) });
  return { location: { bucket: "inventory", key: "inv/data/cfg/2026-01-01T00-00Z/manifest.json", etag }, format: "inventory" as const };
}

const tagged = async (bed: Bed, key: string) => (await bed.objects.getTagging({ bucket: DATA, key })).length > 0;

describe("inventory-report manifests", () => {
  it("reads an S3 inventory: manifest.json naming gzip CSV files with their schema", async () => {
    const bed = await bedWith(["a b.txt", "c", "d", "e"]);
    const manifest = await inventory(
      bed,
      {
        sourceBucket: DATA,
        destinationBucket: "arn:aws:s3:::inventory",
        version: "2016-11-30",
        creationTimestamp: "1514944800000",
        fileFormat: "CSV",
        fileSchema: "Bucket, Key, Size, LastModifiedDate, ETag, StorageClass",
        files: [
          { key: "inv/data/one.csv.gz", size: 1, MD5checksum: "x" },
          { key: "inv/data/two.csv", size: 1, MD5checksum: "y" },
        ],
      },
      {
        "inv/data/one.csv.gz": gzipSync(`"${DATA}","a+b.txt","3","2026-01-01T00:00:00.000Z","abc","STANDARD"\n"${DATA}","c","1","2026-01-01T00:00:00.000Z","abc","STANDARD"\n`),
        "inv/data/two.csv": `"${DATA}","d","1","2026-01-01T00:00:00.000Z","abc","STANDARD"\n"${DATA}","missing","1","2026-01-01T00:00:00.000Z","abc","STANDARD"\n`,
      },
    );
    const created = await bed.job({ manifest });
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ total: 4, succeeded: 3, failed: 1 });
    expect([await tagged(bed, "a b.txt"), await tagged(bed, "c"), await tagged(bed, "d"), await tagged(bed, "e")]).toEqual([true, true, true, false]);
    expect((await bed.readReport(job))!.rows.map((r) => [r.key, r.status])).toEqual([
      ["a b.txt", "succeeded"],
      ["c", "succeeded"],
      ["d", "succeeded"],
      ["missing", "failed"],
    ]);
  });

  it("reads a COS inventory (Appid column first) and takes version ids from a VersionId column", async () => {
    const bed = await bedWith([]);
    await bed.objects.createBucket("versioned", { versioning: true });
    const first = await bed.objects.put({ bucket: "versioned", key: "k", body: "1" });
    await bed.objects.put({ bucket: "versioned", key: "k", body: "2" });
    const manifest = await inventory(
      bed,
      {
        sourceAppid: "1250000000",
        sourceBucket: "versioned",
        destinationAppid: "1250000000",
        destinationBucket: "inventory",
        fileFormat: "CSV",
        listObjectCount: "1",
        fileSchema: "Appid, Bucket, Key, VersionId, Size",
        files: [{ key: "inv/a.csv.gz", size: 1, md5Checksum: "x" }],
      },
      { "inv/a.csv.gz": gzipSync(`"1250000000","versioned","k","${first.versionId}","1"\n`) },
    );
    const created = await bed.job({ manifest });
    await bed.runUntilIdle();
    expect((await bed.describe(created.id)).progress).toMatchObject({ total: 1, succeeded: 1 });
    // The listed (older) version got the tags, not the current one.
    expect(await bed.objects.getTagging({ bucket: "versioned", key: "k", versionId: first.versionId })).toHaveLength(1);
    expect(await bed.objects.getTagging({ bucket: "versioned", key: "k" })).toEqual([]);
  });

  it("fails the job for a manifest.json that is not JSON, lacks its schema, is not CSV, or names a missing file", async () => {
    const cases: [object | string, string][] = [
      ["{not json", "The inventory manifest.json is not valid JSON"],
      [{ files: [] }, "The inventory manifest.json is invalid at fileSchema: Invalid input: expected string, received undefined"],
      [{ fileFormat: "ORC", fileSchema: "Bucket, Key", files: [] }, "Only CSV inventory reports can be used as manifests, not ORC"],
      [{ fileSchema: "Bucket, Size", files: [] }, 'The inventory schema "Bucket, Size" has no Key column'],
      [{ fileSchema: "Bucket, Key", files: [{ key: "gone.csv.gz" }] }, "Reading the inventory data file gone.csv.gz failed: NoSuchKey (The specified key does not exist: gone.csv.gz)"],
    ];
    for (const [json, reason] of cases) {
      const bed = await bedWith(["a"]);
      await bed.objects.createBucket("inventory");
      const { etag } = await bed.objects.put({ bucket: "inventory", key: "manifest.json", body: typeof json === "string" ? json : JSON.stringify(json) });
      const created = await bed.job({ manifest: { location: { bucket: "inventory", key: "manifest.json", etag }, format: "inventory" } });
      await bed.runUntilIdle();
      const job = await bed.describe(created.id);
      expect(job.status).toBe("Failed");
      expect(job.failureReasons[0]!.reason).toBe(reason);
    }
  });

  it("names the file and line of a bad data line, and rejects corrupt gzip", async () => {
    const bed = await bedWith(["a"]);
    const manifest = await inventory(
      bed,
      { fileSchema: "Bucket, Key", files: [{ key: "ok.csv" }, { key: "bad.csv" }] },
      { "ok.csv": `${DATA},a\n`, "bad.csv": `${DATA},a\n${DATA}\n` },
    );
    const created = await bed.job({ manifest });
    await bed.runUntilIdle();
    expect((await bed.describe(created.id)).failureReasons).toEqual([{ code: "InvalidManifestContent", reason: "Line 2 of bad.csv: expected 2 columns, found 1" }]);

    const corrupt = await inventory(bed, { fileSchema: "Bucket, Key", files: [{ key: "z.csv.gz" }] }, { "z.csv.gz": new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]) });
    const second = await bed.job({ manifest: corrupt });
    await bed.runUntilIdle();
    const job = await bed.describe(second.id);
    expect(job.status).toBe("Failed");
    expect(job.failureReasons[0]!.code).toBe("InvalidManifestContent");
  });
});
