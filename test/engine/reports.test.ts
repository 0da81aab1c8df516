import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bodyToBytes } from "../../src/index.js";
import { definePolicy } from "../../src/core/jobs/policy.js";
import { DEFAULT_REPORT_LAYOUT, type ReportLayout } from "../../src/core/engine/report-layouts.js";
import { seedManifest } from "../../src/testing/index.js";
import { bedWith, DATA, REPORTS } from "./support.js";

async function text(store: { get(ref: { bucket: string; key: string }): Promise<{ body: AsyncIterable<Uint8Array> }> }, bucket: string, key: string) {
  return new TextDecoder().decode(await bodyToBytes((await store.get({ bucket, key })).body));
}

const ACCESS_DENIED = { code: "AccessDenied", status: 403, message: "Access Denied, by policy" };

describe("completion reports", () => {
  it("AllTasks: manifest.json and one results file per status, rows as S3 writes them", async () => {
    const bed = await bedWith(["a", "b", "c"], { rows: [[DATA, "a"], [DATA, "gone"], [DATA, "b"], [DATA, "c"]] });
    bed.faults.failKeys(["c"], ACCESS_DENIED, "putTagging");
    const created = await bed.job();
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    const base = `reports/job-${job.id}`;

    const manifest = JSON.parse(await text(bed.objects, REPORTS, `${base}/manifest.json`));
    const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
    const succeededKey = `${base}/results/${sha1(`${job.id}/succeeded`)}.csv`;
    const failedKey = `${base}/results/${sha1(`${job.id}/failed`)}.csv`;
    const succeeded = await text(bed.objects, REPORTS, succeededKey);
    const failed = await text(bed.objects, REPORTS, failedKey);
    const md5 = (s: string) => createHash("md5").update(s).digest("hex");
    expect(manifest).toEqual({
      Format: "Report_CSV_20180820",
      ReportCreationDate: "2026-01-01T00:00:00.000Z",
      Results: [
        { TaskExecutionStatus: "succeeded", Bucket: REPORTS, MD5Checksum: md5(succeeded), Key: succeededKey },
        { TaskExecutionStatus: "failed", Bucket: REPORTS, MD5Checksum: md5(failed), Key: failedKey },
      ],
      ReportSchema: "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage",
    });
    // HTTPStatusCode before ErrorCode in the rows, whatever ReportSchema says (spec §6.12).
    expect(succeeded).toBe(`${DATA},a,,succeeded,200,,Successful\n${DATA},b,,succeeded,200,,Successful\n`);
    expect(failed).toBe(
      `${DATA},gone,,failed,404,NoSuchKey,The specified key does not exist: gone\n` + `${DATA},c,,failed,403,AccessDenied,"Access Denied, by policy"\n`,
    );
    // The parts the engine wrote while running are gone once the report is whole.
    const left = await bed.objects.list({ bucket: REPORTS, prefix: `${base}/parts/` });
    expect(left.objects).toEqual([]);
  });

  it("FailedTasksOnly: only the failed file, row by row", async () => {
    const bed = await bedWith(["a", "b", "c"]);
    bed.faults.failKeys(["b"], ACCESS_DENIED, "putTagging");
    const created = await bed.job({ report: { enabled: true, bucket: REPORTS, prefix: "only-failed", scope: "FailedTasksOnly" } });
    await bed.runUntilIdle();
    const report = await bed.readReport(await bed.describe(created.id));
    expect(report!.manifest.Results).toHaveLength(1);
    expect(report!.files.map((f) => [f.status, f.md5Matches])).toEqual([["failed", true]]);
    expect(report!.rows).toEqual([
      { bucket: DATA, encodedKey: "b", key: "b", versionId: "", status: "failed", httpStatus: 403, errorCode: "AccessDenied", message: "Access Denied, by policy" },
    ]);
  });

  it("FailedTasksOnly without failures: manifest.json lists no file", async () => {
    const bed = await bedWith(["a"]);
    const created = await bed.job({ report: { enabled: true, bucket: REPORTS, scope: "FailedTasksOnly" } });
    await bed.runUntilIdle();
    const report = await bed.readReport(await bed.describe(created.id));
    expect(report!.manifest.Results).toEqual([]);
    expect(report!.rows).toEqual([]);
  });

  it("puts the report at job-<id>/ without a prefix, and does not double a trailing slash", async () => {
    const bed = await bedWith(["a"]);
    const bare = await bed.job({ report: { enabled: true, bucket: REPORTS, scope: "AllTasks" } });
    const slashed = await bed.job({ report: { enabled: true, bucket: REPORTS, prefix: "p/", scope: "AllTasks" } });
    await bed.runUntilIdle();
    expect((await bed.readReport(await bed.describe(bare.id)))!.manifestKey).toBe(`job-${bare.id}/manifest.json`);
    expect((await bed.readReport(await bed.describe(slashed.id)))!.manifestKey).toBe(`p/job-${slashed.id}/manifest.json`);
  });

  it("writes no report when the job asks for none", async () => {
    const bed = await bedWith(["a"]);
    const created = await bed.job({ report: { enabled: false } });
    await bed.runUntilIdle();
    expect((await bed.describe(created.id)).status).toBe("Complete");
    expect((await bed.objects.list({ bucket: REPORTS })).objects).toEqual([]);
  });

  it("keeps URL-encoded keys with spaces, plus signs, unicode and slashes: decoded for the store, as given in the report", async () => {
    const keys = ["with space.txt", "a+b=c.txt", "día/naïve/日本語.txt", "dir/sub dir/file", "100%.txt"];
    const bed = await bedWith(keys, { rows: [] });
    const manifestText = [
      `${DATA},with%20space.txt`,
      `${DATA},a%2Bb%3Dc.txt`,
      `${DATA},d%C3%ADa/na%C3%AFve/%E6%97%A5%E6%9C%AC%E8%AA%9E.txt`,
      // `+` reads as a space, and an encoded slash as a slash.
      `${DATA},dir%2Fsub+dir/file`,
      `${DATA},100%25.txt`,
    ].join("\n");
    const manifest = await seedManifest(bed.objects, { bucket: "manifests", key: "encoded.csv" }, `${manifestText}\n`);
    const created = await bed.job({ manifest });
    await bed.runUntilIdle();

    const job = await bed.describe(created.id);
    expect(job.progress).toMatchObject({ total: 5, succeeded: 5, failed: 0 });
    for (const key of keys) expect(await bed.objects.getTagging({ bucket: DATA, key })).toEqual([{ key: "migrated", value: "yes" }]);
    const report = await bed.readReport(job);
    expect(report!.rows.map((r) => [r.encodedKey, r.key])).toEqual([
      ["with%20space.txt", "with space.txt"],
      ["a%2Bb%3Dc.txt", "a+b=c.txt"],
      ["d%C3%ADa/na%C3%AFve/%E6%97%A5%E6%9C%AC%E8%AA%9E.txt", "día/naïve/日本語.txt"],
      ["dir%2Fsub+dir/file", "dir/sub dir/file"],
      ["100%25.txt", "100%.txt"],
    ]);
  });

  it("quotes fields that need it (RFC 4180) and keeps version ids", async () => {
    const bed = await bedWith([]);
    await bed.objects.createBucket("versioned", { versioning: true });
    const { versionId } = await bed.objects.put({ bucket: "versioned", key: "k", body: "x" });
    const manifest = await seedManifest(bed.objects, { bucket: "manifests", key: "v.csv" }, [
      ["versioned", "k", versionId!],
      ["versioned", 'say "hi", twice', "v-missing"],
    ]);
    const created = await bed.job({ manifest });
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    const report = await bed.readReport(job);
    const failed = report!.files.find((f) => f.status === "failed")!;
    const raw = await text(bed.objects, REPORTS, failed.key);
    expect(raw).toBe(`versioned,say%20%22hi%22%2C%20twice,v-missing,failed,404,NoSuchVersion,"The specified version does not exist: say ""hi"", twice version v-missing"\n`);
    expect(report!.rows.find((r) => r.status === "succeeded")).toMatchObject({ key: "k", versionId });
  });

  it("writes a report in the layout a dialect's policy names (reportLayout), from the engine's table", async () => {
    const policy = definePolicy({ name: "plain", reportLayout: "plain" });
    const plain: ReportLayout = {
      ...DEFAULT_REPORT_LAYOUT,
      manifestKey: (job) => `${job.report.prefix}/${job.id}/summary.json`,
      resultsKey: (job, status) => `${job.report.prefix}/${job.id}/${status}.csv`,
      row: (r, t) => `${r.key}|${t.status}\n`,
    };
    const bed = await bedWith(["a"], { policies: [policy], tenant: { dialect: "plain", account: "1", region: "" }, engine: { reportLayouts: { plain } } });
    const created = await bed.job();
    await bed.runUntilIdle();
    expect(await text(bed.objects, REPORTS, `reports/${created.id}/succeeded.csv`)).toBe("a|succeeded\n");
    expect(JSON.parse(await text(bed.objects, REPORTS, `reports/${created.id}/summary.json`)).Results[0].Key).toBe(`reports/${created.id}/succeeded.csv`);
  });

  // A missing report bucket fails the job before any task runs (report-check.test.ts); a bucket
  // that exists but refuses the writes is found out at the first write.
  it("fails the job, tasks done, when the report cannot be written", async () => {
    const bed = await bedWith(["a", "b"]);
    bed.faults.fail({ operations: "put", bucket: REPORTS, error: { code: "AccessDenied", status: 403 } });
    const created = await bed.job({ report: { enabled: true, bucket: REPORTS, scope: "AllTasks" } });
    await bed.runUntilIdle();
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Failed");
    expect(job.progress).toMatchObject({ succeeded: 2, failed: 0 });
    expect(job.failureReasons).toEqual([
      {
        code: "ReportNotWritten",
        reason: expect.stringMatching(/^The job report could not be written to your report bucket\. Please check your permissions\. \(AccessDenied: /),
      },
    ]);
    expect(await bed.objects.getTagging({ bucket: DATA, key: "a" })).toEqual([{ key: "migrated", value: "yes" }]);
  });

  it("writes the report of a job that fails at the end in spite of transient write errors", async () => {
    const bed = await bedWith(["a"]);
    const fault = bed.faults.fail({ operations: "put", bucket: REPORTS, times: 2, error: { code: "ServiceUnavailable", status: 503 } });
    const created = await bed.job();
    await bed.runUntilIdle();
    expect(fault.hits).toBe(2);
    const job = await bed.describe(created.id);
    expect(job.status).toBe("Complete");
    expect((await bed.readReport(job))!.rows).toHaveLength(1);
  });
});
