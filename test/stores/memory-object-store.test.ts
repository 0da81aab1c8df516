import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { bodyToBytes, ObjectStoreError } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { MemoryObjectStore } from "../../src/stores/memory-object-store.js";

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

async function store() {
  const clock = new ManualClock();
  const s = new MemoryObjectStore({ clock });
  await s.createBucket("b");
  return { s, clock };
}

async function text(s: MemoryObjectStore, bucket: string, key: string, versionId?: string) {
  const { body } = await s.get({ bucket, key, versionId });
  return new TextDecoder().decode(await bodyToBytes(body));
}

describe("MemoryObjectStore", () => {
  it("gives the hex MD5 of the content as ETag and streams the content back", async () => {
    const { s } = await store();
    const big = "x".repeat(200_000);
    expect(await s.put({ bucket: "b", key: "k", body: big })).toEqual({ etag: md5(big) });
    expect((await s.head({ bucket: "b", key: "k" })).size).toBe(200_000);
    expect(await text(s, "b", "k")).toBe(big);
  });

  it("answers NoSuchBucket and NoSuchKey with 404", async () => {
    const { s } = await store();
    await expect(s.head({ bucket: "none", key: "k" })).rejects.toMatchObject({ code: "NoSuchBucket", status: 404 });
    await expect(s.get({ bucket: "b", key: "none" })).rejects.toMatchObject({ code: "NoSuchKey", status: 404, retryable: false });
  });

  it("keeps versions in a versioned bucket and a delete marker hides the key", async () => {
    const { s } = await store();
    await s.createBucket("v", { versioning: true });
    const one = await s.put({ bucket: "v", key: "k", body: "1" });
    const two = await s.put({ bucket: "v", key: "k", body: "2" });
    expect(one.versionId).not.toBe(two.versionId);
    expect(await text(s, "v", "k")).toBe("2");
    expect(await text(s, "v", "k", one.versionId)).toBe("1");
    await s.delete({ bucket: "v", key: "k" });
    await expect(s.head({ bucket: "v", key: "k" })).rejects.toMatchObject({ code: "NoSuchKey" });
    expect(await text(s, "v", "k", two.versionId)).toBe("2");
  });

  it("lists by prefix in key order with continuation", async () => {
    const { s } = await store();
    for (const k of ["a/3", "a/1", "b/1", "a/2"]) await s.put({ bucket: "b", key: k, body: k });
    const first = await s.list({ bucket: "b", prefix: "a/", maxKeys: 2 });
    expect(first.objects.map((o) => o.key)).toEqual(["a/1", "a/2"]);
    const second = await s.list({ bucket: "b", prefix: "a/", maxKeys: 2, continuationToken: first.continuationToken });
    expect(second.objects.map((o) => o.key)).toEqual(["a/3"]);
    expect(second.continuationToken).toBeUndefined();
    await expect(s.list({ bucket: "b", continuationToken: "%%%" })).rejects.toBeInstanceOf(ObjectStoreError);
  });

  it("holds at most 10 tags an object", async () => {
    const { s } = await store();
    await s.put({ bucket: "b", key: "k", body: "" });
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: "" }));
    await s.putTagging({ bucket: "b", key: "k" }, tags(10));
    await expect(s.putTagging({ bucket: "b", key: "k" }, tags(11))).rejects.toMatchObject({ code: "InvalidTag", status: 400 });
    expect(await s.getTagging({ bucket: "b", key: "k" })).toHaveLength(10);
  });

  it("restores archived objects only, and reads them only once restored", async () => {
    const { s, clock } = await store();
    await s.put({ bucket: "b", key: "cold", body: "c", storageClass: "GLACIER" });
    await s.put({ bucket: "b", key: "warm", body: "w" });
    await expect(s.get({ bucket: "b", key: "cold" })).rejects.toMatchObject({ code: "InvalidObjectState", status: 403 });
    await expect(s.restore({ bucket: "b", key: "warm" }, { days: 1 })).rejects.toMatchObject({ code: "InvalidObjectState" });
    await s.restore({ bucket: "b", key: "cold" }, { days: 2 });
    expect(await text(s, "b", "cold")).toBe("c");
    clock.advance(2 * 86_400_000);
    await expect(s.get({ bucket: "b", key: "cold" })).rejects.toMatchObject({ code: "InvalidObjectState" });
  });

  it("refuses to copy an object onto itself without a change", async () => {
    const { s } = await store();
    await s.put({ bucket: "b", key: "k", body: "x", metadata: { userMetadata: { a: "1" } } });
    await expect(s.copy({ source: { bucket: "b", key: "k" }, target: { bucket: "b", key: "k" } })).rejects.toMatchObject({ code: "InvalidRequest" });
    await s.copy({ source: { bucket: "b", key: "k" }, target: { bucket: "b", key: "k" }, storageClass: "STANDARD_IA" });
    expect((await s.head({ bucket: "b", key: "k" })).storageClass).toBe("STANDARD_IA");
  });

  it("copies metadata and tags by directive", async () => {
    const { s } = await store();
    await s.createBucket("t");
    await s.put({ bucket: "b", key: "k", body: "x", metadata: { userMetadata: { a: "1" } }, tags: [{ key: "t", value: "1" }] });
    await s.copy({
      source: { bucket: "b", key: "k" },
      target: { bucket: "t", key: "k" },
      metadataDirective: "ADD",
      metadata: { userMetadata: { b: "2" } },
      taggingDirective: "REPLACE",
      tags: [{ key: "n", value: "2" }],
    });
    expect((await s.head({ bucket: "t", key: "k" })).metadata?.userMetadata).toEqual({ a: "1", b: "2" });
    expect(await s.getTagging({ bucket: "t", key: "k" })).toEqual([{ key: "n", value: "2" }]);
  });

  it("enforces object lock: legal hold and retention need a lock bucket and block deletes", async () => {
    const { s, clock } = await store();
    await s.put({ bucket: "b", key: "k", body: "" });
    await expect(s.putLegalHold({ bucket: "b", key: "k" }, "ON")).rejects.toMatchObject({ code: "InvalidRequest" });
    await s.createBucket("lock", { objectLock: true });
    const { versionId } = await s.put({ bucket: "lock", key: "k", body: "" });
    await s.putLegalHold({ bucket: "lock", key: "k" }, "ON");
    await expect(s.delete({ bucket: "lock", key: "k", versionId })).rejects.toMatchObject({ code: "AccessDenied" });
    await s.putLegalHold({ bucket: "lock", key: "k" }, "OFF");
    const until = clock.now() + 1000;
    await s.putRetention({ bucket: "lock", key: "k" }, { mode: "COMPLIANCE", retainUntil: until });
    await expect(s.putRetention({ bucket: "lock", key: "k" }, {})).rejects.toMatchObject({ code: "AccessDenied" });
    await expect(s.delete({ bucket: "lock", key: "k", versionId })).rejects.toMatchObject({ code: "AccessDenied" });
    clock.advance(1001);
    await s.delete({ bucket: "lock", key: "k", versionId });
  });
});

describe("MemoryObjectStore, as S3 does", () => {
  it("lists keys in UTF-8 byte order, not JavaScript's UTF-16 order", async () => {
    const { s } = await store();
    for (const k of ["\u{1F600}", "\uFF01"]) await s.put({ bucket: "b", key: k, body: k });
    expect((await s.list({ bucket: "b" })).objects.map((o) => o.key)).toEqual(["\uFF01", "\u{1F600}"]);
    const first = await s.list({ bucket: "b", maxKeys: 1 });
    const rest = await s.list({ bucket: "b", continuationToken: first.continuationToken });
    expect(rest.objects.map((o) => o.key)).toEqual(["\u{1F600}"]);
  });

  it("answers a delete of a version that does not exist with success", async () => {
    const { s } = await store();
    await s.createBucket("v", { versioning: true });
    const { versionId } = await s.put({ bucket: "v", key: "k", body: "1" });
    expect(await s.delete({ bucket: "v", key: "k", versionId })).toEqual({ versionId });
    expect(await s.delete({ bucket: "v", key: "k", versionId })).toEqual({ versionId });
  });
});
