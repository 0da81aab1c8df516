import { describe, expect, it } from "vitest";
import { bodyToBytes, type ManifestGenerator } from "../../src/index.js";
import { gunzipSync } from "node:zlib";
import { seedObjects } from "../../src/testing/index.js";
import { bedWith, DATA } from "../engine/support.js";

const DAY = 86_400_000;

async function generatorBed() {
  const bed = await bedWith([]);
  await seedObjects(bed.objects, DATA, ["logs/2025/a.log", "logs/2025/b.jpg", "logs/2026/c.jpg", "other/d.jpg"]);
  bed.clock.advance(DAY);
  await seedObjects(bed.objects, DATA, [
    { key: "logs/2026/big.jpg", body: "x".repeat(1000) },
    { key: "logs/2026/cold.jpg", body: "cold", storageClass: "GLACIER" },
  ]);
  return bed;
}

const taggedKeys = async (bed: Awaited<ReturnType<typeof bedWith>>) => {
  const { objects } = await bed.objects.list({ bucket: DATA });
  const keys: string[] = [];
  for (const o of objects) if ((await bed.objects.getTagging({ bucket: DATA, key: o.key })).length > 0) keys.push(o.key);
  return keys;
};

describe("generated manifests", () => {
  it("lists every object under a prefix (OSS KeyPrefixManifestGenerator)", async () => {
    const bed = await generatorBed();
    const created = await bed.job({ manifest: undefined, generator: { sourceBucket: DATA, prefix: "logs/" } });
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ total: 5, succeeded: 5 });
    expect(await taggedKeys(bed)).toEqual(["logs/2025/a.log", "logs/2025/b.jpg", "logs/2026/big.jpg", "logs/2026/c.jpg", "logs/2026/cold.jpg"]);
  });

  it("applies the S3 generator's filters: every member given must hold", async () => {
    const cases: [ManifestGenerator["filter"], string[]][] = [
      [{ keySuffixes: [".jpg"] }, ["logs/2025/b.jpg", "logs/2026/big.jpg", "logs/2026/c.jpg", "logs/2026/cold.jpg", "other/d.jpg"]],
      [{ keyPrefixes: ["logs/2026/"], keySubstrings: ["c"] }, ["logs/2026/c.jpg", "logs/2026/cold.jpg"]],
      [{ createdAfter: Date.UTC(2026, 0, 1) }, ["logs/2026/big.jpg", "logs/2026/cold.jpg"]],
      [{ createdBefore: Date.UTC(2026, 0, 1) + 1 }, ["logs/2025/a.log", "logs/2025/b.jpg", "logs/2026/c.jpg", "other/d.jpg"]],
      [{ sizeGreaterThan: 100 }, ["logs/2026/big.jpg"]],
      [{ sizeLessThan: 16, storageClasses: ["STANDARD"] }, ["logs/2025/a.log", "logs/2025/b.jpg", "logs/2026/c.jpg", "other/d.jpg"]],
      [{ storageClasses: ["GLACIER"] }, ["logs/2026/cold.jpg"]],
    ];
    for (const [filter, expected] of cases) {
      const bed = await generatorBed();
      const created = await bed.job({ manifest: undefined, generator: { sourceBucket: DATA, filter }, operation: { type: "putTagging", tags: [{ key: "t", value: "1" }] } });
      await bed.runUntilIdle();
      expect({ filter, total: (await bed.describe(created.id)).progress.total }).toEqual({ filter, total: expected.length });
      expect(await taggedKeys(bed)).toEqual(expected);
    }
  });

  it("fails when a filter matches nothing; an empty prefix alone completes with no task", async () => {
    const bed = await generatorBed();
    const filtered = await bed.job({ manifest: undefined, generator: { sourceBucket: DATA, filter: { keySuffixes: [".pdf"] } } });
    const empty = await bed.job({ manifest: undefined, generator: { sourceBucket: DATA, prefix: "nothing/" } });
    await bed.runUntilIdle();
    const failed = await bed.describe(filtered.id);
    expect(failed.status).toBe("Failed");
    expect(failed.failureReasons).toEqual([{ code: "NoMatchingObjects", reason: "Manifest generation found no keys matching the filter criteria" }]);
    const done = await bed.describe(empty.id);
    expect(done.status).toBe("Complete");
    expect(done.progress).toMatchObject({ total: 0, succeeded: 0, failed: 0 });
  });

  it("writes the generated manifest when asked, describes it, and runs on that snapshot", async () => {
    const bed = await generatorBed();
    await bed.objects.createBucket("manifest-out");
    const created = await bed.job({
      manifest: undefined,
      confirmationRequired: true,
      generator: { sourceBucket: DATA, prefix: "logs/2026/", enableOutput: true, output: { bucket: "manifest-out", prefix: "generated" } },
    });
    await bed.runUntilIdle();
    const suspended = await bed.describe(created.id);
    expect(suspended.status).toBe("Suspended");
    const key = `generated/job-${created.id}/generated/manifest.json`;
    expect(suspended.generatedManifest).toEqual({ location: { bucket: "manifest-out", key, etag: expect.stringMatching(/^[0-9a-f]{32}$/) }, format: "inventory" });

    const json = JSON.parse(new TextDecoder().decode(await bodyToBytes((await bed.objects.get({ bucket: "manifest-out", key })).body)));
    expect(json).toMatchObject({ sourceBucket: DATA, destinationBucket: "manifest-out", fileFormat: "CSV", fileSchema: "Bucket, Key" });
    const data = gunzipSync(await bodyToBytes((await bed.objects.get({ bucket: "manifest-out", key: json.files[0].key })).body)).toString();
    expect(data).toBe(`"${DATA}","logs/2026/big.jpg"\n"${DATA}","logs/2026/c.jpg"\n"${DATA}","logs/2026/cold.jpg"\n`);

    // Created after the list was taken: not part of the job.
    await seedObjects(bed.objects, DATA, ["logs/2026/late.jpg"]);
    await bed.jobs.updateJobStatus(bed.tenant, created.id, "Ready");
    await bed.runUntilIdle();
    expect((await bed.describe(created.id)).progress).toMatchObject({ total: 3, succeeded: 3 });
    expect(await taggedKeys(bed)).toEqual(["logs/2026/big.jpg", "logs/2026/c.jpg", "logs/2026/cold.jpg"]);
  });

  it("fails the job when the source bucket cannot be listed", async () => {
    const bed = await generatorBed();
    const created = await bed.job({ manifest: undefined, generator: { sourceBucket: "no-such-bucket" } });
    await bed.runUntilIdle();
    expect((await bed.describe(created.id)).failureReasons).toEqual([
      { code: "ManifestNotFound", reason: "Reading the source bucket no-such-bucket failed: NoSuchBucket (The specified bucket does not exist: no-such-bucket)" },
    ]);
  });
});
