import { describe, expect, it } from "vitest";
import { seedManifest } from "../../src/testing/index.js";
import { bedWith, DATA, statusLog } from "./support.js";

describe("manifest problems", () => {
  it("fails the job when the ETag it gives does not match the manifest object", async () => {
    const bed = await bedWith(["a"]);
    const seen = statusLog(bed);
    const created = await bed.job({ manifest: { ...bed.manifest, location: { ...bed.manifest.location, etag: '"0123456789abcdef0123456789abcdef"' } } });
    await bed.runUntilIdle();

    const job = await bed.describe(created.id);
    expect(seen).toEqual(["Preparing", "Failing", "Failed"]);
    expect(job.status).toBe("Failed");
    expect(job.terminationDate).toBe(bed.clock.now());
    expect(job.failureReasons).toEqual([
      {
        code: "ManifestETagMismatch",
        reason: `The ETag of the manifest object (${bed.manifest.location.etag}) does not match the ETag the job gives ("0123456789abcdef0123456789abcdef")`,
      },
    ]);
    expect(await bed.objects.getTagging({ bucket: DATA, key: "a" })).toEqual([]);
    expect(await bed.readReport(job)).toBeUndefined();
  });

  it("accepts the ETag quoted, unquoted or in upper case", async () => {
    const bed = await bedWith(["a"]);
    const etag = bed.manifest.location.etag!;
    for (const given of [`"${etag}"`, etag.toUpperCase()]) {
      const created = await bed.job({ manifest: { ...bed.manifest, location: { ...bed.manifest.location, etag: given } } });
      await bed.runUntilIdle();
      expect((await bed.describe(created.id)).status).toBe("Complete");
    }
  });

  it("fails the job when the manifest object does not exist", async () => {
    const bed = await bedWith(["a"]);
    const created = await bed.job({ manifest: { location: { bucket: "manifests", key: "nope.csv" }, format: "csv", fields: ["bucket", "key"] } });
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Failed");
    expect(job.failureReasons).toEqual([
      { code: "ManifestNotFound", reason: "Reading the manifest failed: NoSuchKey (The specified key does not exist: nope.csv)" },
    ]);
  });

  it("fails the job when reading the manifest is forbidden, in S3's words", async () => {
    const bed = await bedWith(["a"]);
    bed.faults.fail({ bucket: "manifests", operations: "get", error: { code: "AccessDenied", status: 403, message: "Access Denied" } });
    const created = await bed.job();
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Failed");
    expect(job.failureReasons).toEqual([{ code: "AccessDenied", reason: "Reading the manifest is forbidden: AccessDenied (Access Denied)" }]);
  });

  it("reads the manifest in spite of transient errors, retried with backoff", async () => {
    const bed = await bedWith(["a"]);
    const fault = bed.faults.fail({ bucket: "manifests", operations: "get", times: 2, error: { code: "SlowDown", status: 503 } });
    const created = await bed.job();
    const start = bed.clock.now();
    await bed.runUntilIdle();
    expect(fault.hits).toBe(2);
    expect((await bed.describe(created.id)).status).toBe("Complete");
    // 100 ms, then 200 ms: runUntilIdle moved the ManualClock to each retry, no further.
    expect(bed.clock.now() - start).toBe(300);
  });

  it("names the line of a malformed CSV line (an unclosed quote)", async () => {
    const bed = await bedWith(["a", "b"]);
    const manifest = await seedManifest(bed.objects, { bucket: "manifests", key: "bad.csv" }, `${DATA},a\n${DATA},b\n${DATA},"c\n`);
    const created = await bed.job({ manifest });
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Failed");
    expect(job.failureReasons).toHaveLength(1);
    expect(job.failureReasons[0]!.code).toBe("InvalidManifestContent");
    expect(job.failureReasons[0]!.reason).toMatch(/^Line 3: Quote Not Closed/);
    // Nothing ran: a manifest is checked whole before any task.
    expect(await bed.objects.getTagging({ bucket: DATA, key: "a" })).toEqual([]);
  });

  it("names the line of a line with the wrong number of columns, counting blank lines", async () => {
    const bed = await bedWith(["a"]);
    const manifest = await seedManifest(bed.objects, { bucket: "manifests", key: "bad.csv" }, `${DATA},a\n\n${DATA},a,extra\n`);
    const created = await bed.job({ manifest });
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.failureReasons).toEqual([{ code: "InvalidManifestContent", reason: "Line 3: expected 2 columns, found 3" }]);
  });

  it("names the line of a key that is not valid URL encoding, or empty", async () => {
    const bed = await bedWith(["a"]);
    for (const [text, reason] of [
      [`${DATA},a\n${DATA},bad%zz\n`, 'Line 2: the key "bad%zz" is not valid URL encoding'],
      [`${DATA},a\n${DATA},\n`, "Line 2: the key is empty"],
      [`${DATA},a\n,a\n`, "Line 2: the bucket is empty"],
    ] as const) {
      const manifest = await seedManifest(bed.objects, { bucket: "manifests", key: "bad.csv" }, text);
      const created = await bed.job({ manifest });
      await bed.runUntilIdle();
      expect((await bed.describe(created.id)).failureReasons).toEqual([{ code: "InvalidManifestContent", reason }]);
    }
  });

  it("accepts a blank trailing line, a BOM, CRLF line ends and spaces after commas", async () => {
    const bed = await bedWith(["a", "b"]);
    const manifest = await seedManifest(bed.objects, { bucket: "manifests", key: "ok.csv" }, `\uFEFF${DATA},a\r\n${DATA}, b\r\n\r\n`);
    const created = await bed.job({ manifest });
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ total: 2, succeeded: 2 });
  });

  it("fails a task, not the job, for each missing object (404 NoSuchKey), and reports it", async () => {
    const bed = await bedWith(["a", "c"], { rows: [[DATA, "a"], [DATA, "b"], [DATA, "c"], ["no-such-bucket", "d"]] });
    const created = await bed.job();
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect(job.progress).toMatchObject({ total: 4, succeeded: 2, failed: 2 });
    const report = await bed.readReport(job);
    const failed = report!.files.find((f) => f.status === "failed")!.rows;
    expect(failed.map((r) => [r.bucket, r.key, r.httpStatus, r.errorCode])).toEqual([
      [DATA, "b", 404, "NoSuchKey"],
      ["no-such-bucket", "d", 404, "NoSuchBucket"],
    ]);
  });

  it("fails the task of a line without a version id when the manifest has a VersionId column", async () => {
    const bed = await bedWith(["a", "b"]);
    const manifest = await seedManifest(bed.objects, { bucket: "manifests", key: "v.csv" }, `${DATA},a,null\n${DATA},b,\n`, {
      fields: ["bucket", "key", "versionId"],
    });
    const created = await bed.job({ manifest });
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    const report = await bed.readReport(job);
    expect(report!.rows.map((r) => [r.key, r.versionId, r.status, r.httpStatus, r.errorCode, r.message])).toEqual([
      ["a", "null", "succeeded", 200, "", "Successful"],
      ["b", "", "failed", 400, "InvalidRequest", "Task failed due to missing VersionId"],
    ]);
  });
});
