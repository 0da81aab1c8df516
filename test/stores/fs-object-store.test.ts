import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bodyToBytes, type ObjectRef } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { FsObjectStore } from "../../src/stores/fs-object-store.js";

const md5 = (s: string | Uint8Array) => createHash("md5").update(s).digest("hex");

let root: string;
let dir: string;
let clock: ManualClock;
let store: FsObjectStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "batchplane-fs-"));
  dir = join(root, "data");
  clock = new ManualClock();
  store = new FsObjectStore({ dir, clock, buckets: ["b"] });
  await store.list({ bucket: "b" });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function text(ref: ObjectRef, s = store): Promise<string> {
  return new TextDecoder().decode(await bodyToBytes((await s.get(ref)).body));
}

/** Every file below a directory, relative, sorted. */
async function files(at: string): Promise<string[]> {
  const entries = await readdir(at, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(at.length + 1))
    .sort();
}

describe("FsObjectStore: keys that would escape the bucket", () => {
  const escapes = ["../x", "../../x", "/abs", "/etc/passwd", "a/../../b", "a/..", "..", "a\u0000b", "\u0000", "a\\..\\..\\b"];

  it.each(escapes)("refuses %j on every operation, with InvalidArgument (400), writing nothing", async (key) => {
    await store.put({ bucket: "b", key: "safe", body: "s" });
    const before = await files(root);
    const ref = { bucket: "b", key };
    const attempts = [
      () => store.put({ ...ref, body: "escaped" }),
      () => store.head(ref),
      () => store.get(ref),
      () => store.delete(ref),
      () => store.putTagging(ref, [{ key: "t", value: "v" }]),
      () => store.copy({ source: { bucket: "b", key: "safe" }, target: ref }),
      () => store.copy({ source: ref, target: { bucket: "b", key: "t" } }),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toMatchObject({ code: "InvalidArgument", status: 400, message: expect.stringContaining("refused") });
    }
    expect(await files(root)).toEqual(before);
    expect(existsSync(join(root, "x"))).toBe(false);
  });

  it("refuses a key longer than S3's 1024 bytes with KeyTooLongError", async () => {
    await expect(store.put({ bucket: "b", key: "é".repeat(513), body: "" })).rejects.toMatchObject({ code: "KeyTooLongError", status: 400 });
  });

  it("refuses bucket names that are not plain directory names", async () => {
    for (const bucket of ["..", ".batchplane", "a/b", "", "x\u0000", "Upper"]) {
      await expect(store.createBucket(bucket)).rejects.toMatchObject({ code: "InvalidBucketName", status: 400 });
      await expect(store.head({ bucket, key: "k" })).rejects.toMatchObject({ code: "NoSuchBucket", status: 404 });
    }
  });

  it("does not follow a symbolic link in a bucket, nor list it", async () => {
    await writeFile(join(root, "secret"), "outside");
    await symlink(join(root, "secret"), join(dir, "b", "link"));
    await expect(store.get({ bucket: "b", key: "link" })).rejects.toMatchObject({ code: "NoSuchKey" });
    expect((await store.list({ bucket: "b" })).objects).toEqual([]);
  });

  it("neither reads nor writes through a linked directory in a bucket", async () => {
    await mkdir(join(root, "elsewhere"));
    await writeFile(join(root, "elsewhere", "secret"), "outside");
    await symlink(join(root, "elsewhere"), join(dir, "b", "linked"));
    await expect(store.get({ bucket: "b", key: "linked/secret" })).rejects.toMatchObject({ code: "NoSuchKey" });
    await expect(store.head({ bucket: "b", key: "linked/secret" })).rejects.toMatchObject({ code: "NoSuchKey" });
    await store.put({ bucket: "b", key: "linked/new", body: "inside" });
    await store.put({ bucket: "b", key: "linked/secret", body: "mine" });
    expect(await readdir(join(root, "elsewhere"))).toEqual(["secret"]);
    expect(await readFile(join(root, "elsewhere", "secret"), "utf8")).toBe("outside");
    expect(await text({ bucket: "b", key: "linked/new" })).toBe("inside");
    expect(await text({ bucket: "b", key: "linked/secret" })).toBe("mine");
    expect((await store.list({ bucket: "b" })).objects.map((o) => o.key)).toEqual(["linked/new", "linked/secret"]);
  });
});

describe("FsObjectStore: plain files", () => {
  it("writes each object as a plain file at <dir>/<bucket>/<key>", async () => {
    await store.put({ bucket: "b", key: "reports/job-1/results.csv", body: "b,k,Succeeded\n" });
    expect(await readFile(join(dir, "b", "reports", "job-1", "results.csv"), "utf8")).toBe("b,k,Succeeded\n");
  });

  it("reads files dropped in with ordinary tools as objects, ETag computed, in a bucket made by hand", async () => {
    await mkdir(join(dir, "manual", "manifests"), { recursive: true });
    const csv = "manual,photos/1.jpg\nmanual,photos/2.jpg\n";
    await writeFile(join(dir, "manual", "manifests", "m.csv"), csv);
    await writeFile(join(dir, "manual", "top"), "t");
    const head = await store.head({ bucket: "manual", key: "manifests/m.csv" });
    expect(head).toMatchObject({ etag: md5(csv), size: csv.length, storageClass: "STANDARD" });
    expect(head.versionId).toBeUndefined();
    expect(head.lastModified).toBe(Math.floor((await stat(join(dir, "manual", "manifests", "m.csv"))).mtimeMs));
    expect(await text({ bucket: "manual", key: "manifests/m.csv" })).toBe(csv);
    const listed = await store.list({ bucket: "manual" });
    expect(listed.objects.map((o) => [o.key, o.etag])).toEqual([
      ["manifests/m.csv", md5(csv)],
      ["top", md5("t")],
    ]);
  });

  it("keeps tags and metadata of a dropped-in file in the metadata area, leaving the file as it was", async () => {
    await writeFile(join(dir, "b", "photo.jpg"), "jpeg");
    await store.putTagging({ bucket: "b", key: "photo.jpg" }, [{ key: "confidential", value: "true" }]);
    expect(await readFile(join(dir, "b", "photo.jpg"), "utf8")).toBe("jpeg");
    const reopened = new FsObjectStore({ dir, clock });
    expect(await reopened.getTagging({ bucket: "b", key: "photo.jpg" })).toEqual([{ key: "confidential", value: "true" }]);
    expect((await files(join(dir, ".batchplane"))).some((f) => f.startsWith("objects/b/"))).toBe(true);
  });

  it("takes a file rewritten by hand as a fresh object, and a file only touched as the same one", async () => {
    await store.put({ bucket: "b", key: "k", body: "one", tags: [{ key: "t", value: "1" }], storageClass: "STANDARD_IA" });
    const path = join(dir, "b", "k");
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    expect(await store.getTagging({ bucket: "b", key: "k" })).toEqual([{ key: "t", value: "1" }]);
    await writeFile(path, "rewritten");
    const head = await store.head({ bucket: "b", key: "k" });
    expect(head).toMatchObject({ etag: md5("rewritten"), size: 9, storageClass: "STANDARD" });
    expect(await store.getTagging({ bucket: "b", key: "k" })).toEqual([]);
  });

  it("takes a file removed by hand as a deleted object", async () => {
    await store.put({ bucket: "b", key: "gone", body: "x", tags: [{ key: "t", value: "1" }] });
    await rm(join(dir, "b", "gone"));
    await expect(store.head({ bucket: "b", key: "gone" })).rejects.toMatchObject({ code: "NoSuchKey" });
    expect((await store.list({ bucket: "b" })).objects).toEqual([]);
  });

  it("holds `a` beside `a/b`, and `dir/`, keeping such bytes in the metadata area", async () => {
    await store.put({ bucket: "b", key: "a/b", body: "ab" });
    await store.put({ bucket: "b", key: "a", body: "a" });
    await store.put({ bucket: "b", key: "dir/", body: "folder marker" });
    await store.put({ bucket: "b", key: "x//y", body: "double" });
    expect(await files(join(dir, "b"))).toEqual(["a/b"]);
    expect(await text({ bucket: "b", key: "a" })).toBe("a");
    expect(await text({ bucket: "b", key: "dir/" })).toBe("folder marker");
    expect((await store.list({ bucket: "b" })).objects.map((o) => o.key)).toEqual(["a", "a/b", "dir/", "x//y"]);
    // Once `a/b` is gone, `a` becomes a plain file again.
    await store.delete({ bucket: "b", key: "a/b" });
    await store.put({ bucket: "b", key: "a", body: "a again" });
    expect(await files(join(dir, "b"))).toEqual(["a"]);
    expect(await text({ bucket: "b", key: "a" })).toBe("a again");
  });

  it("removes the directories a deleted object leaves empty", async () => {
    await store.put({ bucket: "b", key: "p/q/r", body: "x" });
    await store.put({ bucket: "b", key: "p/s", body: "y" });
    await store.delete({ bucket: "b", key: "p/q/r" });
    expect(existsSync(join(dir, "b", "p", "q"))).toBe(false);
    expect(existsSync(join(dir, "b", "p", "s"))).toBe(true);
  });
});

describe("FsObjectStore: versions on disk", () => {
  it("keeps the latest version as the plain file and older ones in the metadata area", async () => {
    await store.createBucket("v", { versioning: true });
    const one = await store.put({ bucket: "v", key: "k", body: "1" });
    await store.put({ bucket: "v", key: "k", body: "2" });
    expect(await readFile(join(dir, "v", "k"), "utf8")).toBe("2");
    const marker = await store.delete({ bucket: "v", key: "k" });
    expect(existsSync(join(dir, "v", "k"))).toBe(false);
    expect(await text({ bucket: "v", key: "k", versionId: one.versionId })).toBe("1");
    // Removing the delete marker makes the previous version current: back in the plain file.
    await store.delete({ bucket: "v", key: "k", versionId: marker.versionId });
    expect(await readFile(join(dir, "v", "k"), "utf8")).toBe("2");
  });

  it("keeps buckets, versions, tags and lock state for the next process", async () => {
    await store.createBucket("lock", { objectLock: true });
    const { versionId } = await store.put({ bucket: "lock", key: "k", body: "x", contentType: "text/plain" });
    await store.putLegalHold({ bucket: "lock", key: "k" }, "ON");
    await store.putRetention({ bucket: "lock", key: "k" }, { mode: "COMPLIANCE", retainUntil: clock.now() + 1000 });
    const next = new FsObjectStore({ dir, clock });
    expect(await next.head({ bucket: "lock", key: "k" })).toMatchObject({ versionId, legalHold: "ON", contentType: "text/plain", retention: { mode: "COMPLIANCE" } });
    await expect(next.delete({ bucket: "lock", key: "k", versionId })).rejects.toMatchObject({ code: "AccessDenied" });
    await next.put({ bucket: "lock", key: "k", body: "y" });
    expect((await next.head({ bucket: "lock", key: "k" })).versionId).not.toBe(versionId);
  });
});

describe("FsObjectStore: buckets", () => {
  it("keeps a bucket's settings in the metadata area and treats a directory made by hand as a plain bucket", async () => {
    await store.createBucket("src", { versioning: true, replicationTarget: "replica" });
    await mkdir(join(dir, "by-hand"));
    const next = new FsObjectStore({ dir, clock });
    expect(await next.replicationTarget("src")).toBe("replica");
    expect((await next.put({ bucket: "src", key: "k", body: "x" })).versionId).toBeDefined();
    expect(await next.put({ bucket: "by-hand", key: "k", body: "x" })).toEqual({ etag: md5("x") });
    await rm(join(dir, "by-hand"), { recursive: true });
    await expect(next.head({ bucket: "by-hand", key: "k" })).rejects.toMatchObject({ code: "NoSuchBucket" });
  });
});

describe("FsObjectStore: atomic writes", () => {
  it("leaves the old content, and no temporary file, when a body fails half-way", async () => {
    await store.put({ bucket: "b", key: "k", body: "old" });
    async function* failing() {
      yield new TextEncoder().encode("partial");
      throw new Error("connection reset");
    }
    await expect(store.put({ bucket: "b", key: "k", body: failing() })).rejects.toThrow("connection reset");
    expect(await text({ bucket: "b", key: "k" })).toBe("old");
    expect(await files(join(dir, "b"))).toEqual(["k"]);
    expect(await readdir(join(dir, ".batchplane", "tmp"))).toEqual([]);
  });

  it("streams a version that a concurrent write replaces, whole", async () => {
    const big = "a".repeat(3 * 1024 * 1024);
    await store.put({ bucket: "b", key: "k", body: big });
    const { info, body } = await store.get({ bucket: "b", key: "k" });
    await store.put({ bucket: "b", key: "k", body: "small" });
    expect(md5(await bodyToBytes(body))).toBe(info.etag);
    expect(await text({ bucket: "b", key: "k" })).toBe("small");
  });
});
