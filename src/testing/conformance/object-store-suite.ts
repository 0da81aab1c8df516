import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bodyToBytes } from "../../core/body.js";
import type { Tag } from "../../core/model/common.js";
import { isObjectStoreError, type ObjectAcl, type ObjectRef, type ObjectStore } from "../../core/ports.js";

/**
 * The ObjectStore contract, as one vitest suite every implementation runs: memory, filesystem,
 * S3-compatible, or the store an emulator keeps its objects in.
 *
 *   testObjectStore("my store", () => ({ store: new MyStore() }), { objectLock: false });
 *
 * Where a store legitimately lacks a feature, or an S3-compatible server deviates from S3, say so
 * in the options: the suite then leaves those cases out, and only those, and says which in the
 * names of its describe blocks. A case the options claim is always run.
 */

export interface ObjectStoreFixture {
  store: ObjectStore;
  /** Moves the store's clock forward; required when the options claim `timeTravel`. */
  advanceTime?(ms: number): void | Promise<void>;
  /** The store's clock (default Date.now): retention dates are set relative to it. */
  now?(): number;
  dispose?(): void | Promise<void>;
}

export type ObjectStoreFactory = () => ObjectStoreFixture | Promise<ObjectStoreFixture>;

export interface ObjectStoreSuiteOptions {
  /**
   * Makes a bucket for a test (names are unique a run, lowercase, S3-valid). Default:
   * `store.createBucket(name, options)`.
   */
  createBucket?(store: ObjectStore, name: string, options: { versioning?: boolean; objectLock?: boolean }): Promise<void>;
  /** Buckets that keep versions, with delete markers. Default true. */
  versioning?: boolean;
  /** Object-lock buckets: legal holds and retention that block deletes. Default true (needs versioning). */
  objectLock?: boolean;
  /**
   * The store enforces S3's retention rules: COMPLIANCE can never be shortened or removed,
   * GOVERNANCE only with bypass, a retain-until date must lie in the future, and a retained
   * version cannot be deleted. Default: as `objectLock`. (moto 5 records retention but enforces
   * none of these.)
   */
  retentionRules?: boolean;
  /** Copy honours modifiedSince / unmodifiedSince on the source (PreconditionFailed, 412). Default true; moto 5 ignores them. */
  copyPreconditions?: boolean;
  /** A malformed continuation token is refused with a 400. Default true; moto 5 answers a 500. */
  rejectsBadContinuationToken?: boolean;
  /** GET of a delete marker by its version id answers MethodNotAllowed (405), as S3 does. Default true; moto 5 answers NoSuchVersion. */
  deleteMarkerGetIs405?: boolean;
  /** Tag keys and values may hold any Unicode letter, as S3 allows. Default true; moto 5 allows ASCII only. */
  unicodeTags?: boolean;
  /** A restore can name a version that is no longer current. Default true; moto 5 looks at the current version only. */
  restoreOfVersion?: boolean;
  /** DeleteObjectTagging of a missing key answers NoSuchKey (404). Default true; moto 5 answers a 500. */
  deleteTaggingOfMissingKey?: boolean;
  /** The fixture can move the store's clock (restore expiry, retention that ends). Default false. */
  timeTravel?: boolean;
}

const DAY = 86_400_000;
const run = Math.random().toString(16).slice(2, 8);
let buckets = 0;

const md5 = (data: string | Uint8Array) => createHash("md5").update(data).digest("hex");
const tags = (n: number, prefix = "k"): Tag[] => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: `v${i}` }));

/** An ACL grants public read when it is a public canned ACL or grants READ (or more) to all users. */
function publicRead(acl: ObjectAcl): boolean {
  if (acl.canned === "public-read" || acl.canned === "public-read-write") return true;
  return (acl.grants ?? []).some(
    (g) => g.grantee.type === "uri" && g.grantee.identifier.endsWith("/global/AllUsers") && ["READ", "FULL_CONTROL"].includes(g.permission),
  );
}

export function testObjectStore(name: string, factory: ObjectStoreFactory, options: ObjectStoreSuiteOptions = {}): void {
  const versioning = options.versioning ?? true;
  const objectLock = (options.objectLock ?? true) && versioning;
  const retentionRules = options.retentionRules ?? objectLock;
  const copyPreconditions = options.copyPreconditions ?? true;
  const badTokens = options.rejectsBadContinuationToken ?? true;
  const markerGet405 = options.deleteMarkerGetIs405 ?? true;
  const timeTravel = options.timeTravel ?? false;
  const unicodeTags = options.unicodeTags ?? true;
  const restoreOfVersion = (options.restoreOfVersion ?? true) && versioning;
  const deleteTaggingOfMissingKey = options.deleteTaggingOfMissingKey ?? true;

  const without = [
    !versioning && "versioning",
    !objectLock && "object lock",
    objectLock && !retentionRules && "retention rules",
    !copyPreconditions && "copy preconditions",
    !badTokens && "bad continuation tokens",
    versioning && !markerGet405 && "GET of a delete marker version",
    !unicodeTags && "Unicode tags",
    versioning && !restoreOfVersion && "restore of a noncurrent version",
    !deleteTaggingOfMissingKey && "deleteTagging of a missing key",
    !timeTravel && "time travel",
  ].filter(Boolean);

  describe(`ObjectStore conformance: ${name}${without.length ? ` (not checked: ${without.join(", ")})` : ""}`, () => {
    let fx: ObjectStoreFixture;
    let store: ObjectStore;
    let bucket: string;

    const now = () => fx.now?.() ?? Date.now();
    async function newBucket(opts: { versioning?: boolean; objectLock?: boolean } = {}): Promise<string> {
      const b = `conf-${run}-${++buckets}`;
      if (options.createBucket) await options.createBucket(store, b, opts);
      else if (store.createBucket) await store.createBucket(b, opts);
      else throw new Error("the store has no createBucket: give the suite a createBucket option");
      return b;
    }
    async function read(ref: ObjectRef): Promise<Uint8Array> {
      return bodyToBytes((await store.get(ref)).body);
    }
    async function text(ref: ObjectRef): Promise<string> {
      return new TextDecoder().decode(await read(ref));
    }
    async function advance(ms: number): Promise<void> {
      if (!fx.advanceTime) throw new Error("the options claim timeTravel, but the fixture has no advanceTime()");
      await fx.advanceTime(ms);
    }
    /** Expects an ObjectStoreError with this code and status (and not retryable). */
    async function fails(promise: Promise<unknown>, code: string, status: number): Promise<void> {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, `expected ${code} (${status})`).toBeDefined();
      expect(isObjectStoreError(error), `expected an ObjectStoreError, got ${String(error)}`).toBe(true);
      expect(error).toMatchObject({ code, status, retryable: false });
    }

    beforeEach(async () => {
      fx = await factory();
      store = fx.store;
      bucket = await newBucket();
    });
    afterEach(async () => {
      await fx.dispose?.();
    });

    describe("put, get and head", () => {
      it("answers the hex MD5 of the content as ETag and gives every byte back unchanged", async () => {
        const bytes = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
        expect(await store.put({ bucket, key: "bin", body: bytes })).toMatchObject({ etag: md5(bytes) });
        const head = await store.head({ bucket, key: "bin" });
        expect(head).toMatchObject({ bucket, key: "bin", etag: md5(bytes), size: 512, storageClass: "STANDARD" });
        expect(head.versionId).toBeUndefined();
        expect(Math.abs(head.lastModified - now())).toBeLessThan(DAY);
        const got = await store.get({ bucket, key: "bin" });
        expect(got.info).toMatchObject({ etag: md5(bytes), size: 512 });
        expect(await bodyToBytes(got.body)).toEqual(bytes);
      });

      it("takes a body as a string, as bytes, or as a stream of chunks", async () => {
        async function* chunks() {
          yield new TextEncoder().encode("stre");
          yield new TextEncoder().encode("");
          yield new TextEncoder().encode("amed ✓");
        }
        await store.put({ bucket, key: "s", body: "plain ✓" });
        await store.put({ bucket, key: "b", body: new TextEncoder().encode("bytes ✓") });
        const streamed = await store.put({ bucket, key: "c", body: chunks() });
        expect(await text({ bucket, key: "s" })).toBe("plain ✓");
        expect(await text({ bucket, key: "b" })).toBe("bytes ✓");
        expect(await text({ bucket, key: "c" })).toBe("streamed ✓");
        expect(streamed.etag).toBe(md5("streamed ✓"));
      });

      it("streams a large object back in more than one chunk", async () => {
        const big = new Uint8Array(1536 * 1024).map((_, i) => (i * 7) % 251);
        await store.put({ bucket, key: "big", body: big });
        const { body } = await store.get({ bucket, key: "big" });
        let parts = 0;
        const received: Uint8Array[] = [];
        for await (const part of body) {
          parts++;
          received.push(part);
        }
        expect(parts).toBeGreaterThan(1);
        expect(md5(Buffer.concat(received))).toBe(md5(big));
      });

      it("stores an empty object", async () => {
        expect(await store.put({ bucket, key: "empty", body: "" })).toMatchObject({ etag: md5("") });
        expect((await store.head({ bucket, key: "empty" })).size).toBe(0);
        expect(await read({ bucket, key: "empty" })).toHaveLength(0);
      });

      it("keeps the content type, the standard headers and user metadata", async () => {
        await store.put({
          bucket,
          key: "m",
          body: "x",
          contentType: "text/plain",
          metadata: { cacheControl: "max-age=60", contentDisposition: "inline", contentLanguage: "en", userMetadata: { owner: "team-a", n: "1" } },
        });
        const head = await store.head({ bucket, key: "m" });
        expect(head.contentType).toBe("text/plain");
        expect(head.metadata).toMatchObject({ cacheControl: "max-age=60", contentDisposition: "inline", contentLanguage: "en" });
        expect(head.metadata?.userMetadata).toEqual({ owner: "team-a", n: "1" });
      });

      it("keeps the storage class given, STANDARD otherwise", async () => {
        await store.put({ bucket, key: "ia", body: "x", storageClass: "STANDARD_IA" });
        expect((await store.head({ bucket, key: "ia" })).storageClass).toBe("STANDARD_IA");
      });

      it("lets the last write win in a bucket without versioning, with no version id", async () => {
        await store.put({ bucket, key: "k", body: "one" });
        const second = await store.put({ bucket, key: "k", body: "two" });
        expect(second.versionId).toBeUndefined();
        expect(await text({ bucket, key: "k" })).toBe("two");
        expect((await store.head({ bucket, key: "k" })).etag).toBe(md5("two"));
      });
    });

    describe("keys", () => {
      it("holds keys a file system could not hold as such, each apart from the others", async () => {
        const keys = ["a", "a/b", "a/b/c", "dir/", "dir/x", "a//b", "with space", "plus+sign", "pct%2F", "ünï/✓", "tab\there", ".hidden", "a-b", "a.b"];
        for (const key of keys) await store.put({ bucket, key, body: `content of ${key}` });
        for (const key of keys) expect(await text({ bucket, key })).toBe(`content of ${key}`);
        for (const key of keys) expect((await store.head({ bucket, key })).etag).toBe(md5(`content of ${key}`));
        const listed = (await store.list({ bucket })).objects.map((o) => o.key);
        expect([...listed].sort()).toEqual([...keys].sort());
        await store.delete({ bucket, key: "a" });
        await store.delete({ bucket, key: "dir/" });
        expect(await text({ bucket, key: "a/b" })).toBe("content of a/b");
        expect(await text({ bucket, key: "dir/x" })).toBe("content of dir/x");
        await fails(store.head({ bucket, key: "a" }), "NoSuchKey", 404);
        await fails(store.head({ bucket, key: "dir/" }), "NoSuchKey", 404);
        await fails(store.head({ bucket, key: "a/b/" }), "NoSuchKey", 404);
      });

      it("lists keys in the order of their UTF-8 bytes", async () => {
        const keys = ["\u{1F600}", "\uFF01", "z", "a/b", "a-b", "A", "é"];
        for (const key of keys) await store.put({ bucket, key, body: key });
        const listed = (await store.list({ bucket })).objects.map((o) => o.key);
        expect(listed).toEqual(["A", "a-b", "a/b", "z", "é", "\uFF01", "\u{1F600}"]);
      });
    });

    describe("missing buckets and keys", () => {
      it("answers NoSuchBucket (404) on every operation against a bucket that does not exist", async () => {
        const ref = { bucket: `missing-${run}`, key: "k" };
        await store.put({ bucket, key: "k", body: "x" });
        await fails(store.head(ref), "NoSuchBucket", 404);
        await fails(store.get(ref), "NoSuchBucket", 404);
        await fails(store.put({ ...ref, body: "x" }), "NoSuchBucket", 404);
        await fails(store.list({ bucket: ref.bucket }), "NoSuchBucket", 404);
        await fails(store.delete(ref), "NoSuchBucket", 404);
        await fails(store.getTagging(ref), "NoSuchBucket", 404);
        await fails(store.putTagging(ref, tags(1)), "NoSuchBucket", 404);
        await fails(store.copy({ source: ref, target: { bucket, key: "t" } }), "NoSuchBucket", 404);
        await fails(store.copy({ source: { bucket, key: "k" }, target: ref }), "NoSuchBucket", 404);
      });

      it("answers NoSuchKey (404) for a key that does not exist, except on delete", async () => {
        const ref = { bucket, key: "nothing-here" };
        await fails(store.head(ref), "NoSuchKey", 404);
        await fails(store.get(ref), "NoSuchKey", 404);
        await fails(store.getTagging(ref), "NoSuchKey", 404);
        await fails(store.putTagging(ref, tags(1)), "NoSuchKey", 404);
        if (deleteTaggingOfMissingKey) await fails(store.deleteTagging(ref), "NoSuchKey", 404);
        await fails(store.getAcl(ref), "NoSuchKey", 404);
        await fails(store.putAcl(ref, { canned: "private" }), "NoSuchKey", 404);
        await fails(store.restore(ref, { days: 1 }), "NoSuchKey", 404);
        await fails(store.copy({ source: ref, target: { bucket, key: "t" } }), "NoSuchKey", 404);
        expect(await store.delete(ref)).toEqual({});
      });

      it("deletes an object: gone from reads and listings", async () => {
        await store.put({ bucket, key: "d", body: "x" });
        expect(await store.delete({ bucket, key: "d" })).toEqual({});
        await fails(store.get({ bucket, key: "d" }), "NoSuchKey", 404);
        expect((await store.list({ bucket })).objects).toEqual([]);
      });
    });

    describe("list", () => {
      it("lists by prefix in key order, each object with its ETag and size", async () => {
        for (const key of ["p/3", "p/1", "q/1", "p/2", "p"]) await store.put({ bucket, key, body: `${key}!` });
        const page = await store.list({ bucket, prefix: "p/" });
        expect(page.objects.map((o) => [o.key, o.etag, o.size])).toEqual([
          ["p/1", md5("p/1!"), 4],
          ["p/2", md5("p/2!"), 4],
          ["p/3", md5("p/3!"), 4],
        ]);
        expect(page.continuationToken).toBeUndefined();
        expect(page.objects[0]).toMatchObject({ bucket, storageClass: "STANDARD" });
        expect((await store.list({ bucket, prefix: "none" })).objects).toEqual([]);
      });

      it("pages with continuation tokens until every object was listed once", async () => {
        const keys = Array.from({ length: 7 }, (_, i) => `page/${String(i).padStart(2, "0")}`);
        for (const key of [...keys].reverse()) await store.put({ bucket, key, body: key });
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await store.list({ bucket, prefix: "page/", maxKeys: 3, continuationToken: token });
          expect(page.objects.length).toBeLessThanOrEqual(3);
          seen.push(...page.objects.map((o) => o.key));
          token = page.continuationToken;
          pages++;
        } while (token !== undefined && pages < 10);
        expect(seen).toEqual(keys);
        expect(pages).toBe(3);
      });

      it("starts a listing after startAfter (a key that need not exist)", async () => {
        for (const key of ["after/a", "after/b", "after/c"]) await store.put({ bucket, key, body: key });
        const page = await store.list({ bucket, prefix: "after/", startAfter: "after/a0" });
        expect(page.objects.map((o) => o.key)).toEqual(["after/b", "after/c"]);
      });

      if (badTokens) {
        it("refuses a continuation token it did not issue", async () => {
          const error = await store.list({ bucket, continuationToken: "%%% not a token" }).catch((e: unknown) => e);
          expect(isObjectStoreError(error)).toBe(true);
          expect(error).toMatchObject({ status: 400 });
        });
      }
    });

    describe("tagging", () => {
      it("puts, replaces, reads and deletes an object's tags", async () => {
        await store.put({ bucket, key: "t", body: "x", tags: [{ key: "from", value: "put" }] });
        expect(await store.getTagging({ bucket, key: "t" })).toEqual([{ key: "from", value: "put" }]);
        const second = unicodeTags ? { key: "Größe ünï", value: "ça" } : { key: "size key", value: "" };
        await store.putTagging({ bucket, key: "t" }, [{ key: "a", value: "1" }, second]);
        expect(await store.getTagging({ bucket, key: "t" })).toEqual(expect.arrayContaining([{ key: "a", value: "1" }, second]));
        expect(await store.getTagging({ bucket, key: "t" })).toHaveLength(2);
        await store.deleteTagging({ bucket, key: "t" });
        expect(await store.getTagging({ bucket, key: "t" })).toEqual([]);
        expect(await text({ bucket, key: "t" })).toBe("x");
      });

      it("holds ten tags an object, and refuses eleven or a repeated key with InvalidTag (400)", async () => {
        await store.put({ bucket, key: "t", body: "x" });
        await store.putTagging({ bucket, key: "t" }, tags(10));
        await fails(store.putTagging({ bucket, key: "t" }, tags(11)), "InvalidTag", 400);
        await fails(store.putTagging({ bucket, key: "t" }, [{ key: "same", value: "1" }, { key: "same", value: "2" }]), "InvalidTag", 400);
        expect(await store.getTagging({ bucket, key: "t" })).toHaveLength(10);
        await fails(store.put({ bucket, key: "u", body: "x", tags: tags(11) }), "InvalidTag", 400);
      });
    });

    describe("ACL", () => {
      it("starts private and takes a canned ACL or explicit grants", async () => {
        await store.put({ bucket, key: "a", body: "x" });
        expect(publicRead(await store.getAcl({ bucket, key: "a" }))).toBe(false);
        await store.putAcl({ bucket, key: "a" }, { canned: "public-read" });
        expect(publicRead(await store.getAcl({ bucket, key: "a" }))).toBe(true);
        const grant = { grantee: { type: "id" as const, identifier: "0123456789abcdef" }, permission: "READ_ACP" as const };
        await store.putAcl({ bucket, key: "a" }, { grants: [grant] });
        const acl = await store.getAcl({ bucket, key: "a" });
        expect(acl.grants).toContainEqual(expect.objectContaining({ permission: "READ_ACP", grantee: expect.objectContaining({ type: "id", identifier: "0123456789abcdef" }) }));
        expect(publicRead(acl)).toBe(false);
      });
    });

    describe("archived objects and restore", () => {
      it("refuses to restore an object that is not archived (InvalidObjectState, 403)", async () => {
        await store.put({ bucket, key: "warm", body: "w" });
        await fails(store.restore({ bucket, key: "warm" }, { days: 1 }), "InvalidObjectState", 403);
      });

      for (const storageClass of ["GLACIER", "DEEP_ARCHIVE"]) {
        it(`refuses to read or copy a ${storageClass} object until it is restored`, async () => {
          await store.put({ bucket, key: "cold", body: "frozen", storageClass });
          await fails(store.get({ bucket, key: "cold" }), "InvalidObjectState", 403);
          await fails(store.copy({ source: { bucket, key: "cold" }, target: { bucket, key: "copy" } }), "InvalidObjectState", 403);
          expect((await store.head({ bucket, key: "cold" })).storageClass).toBe(storageClass);
          await store.restore({ bucket, key: "cold" }, { days: 2, tier: "Standard" });
          const head = await store.head({ bucket, key: "cold" });
          expect(head.restore).toBeDefined();
          if (head.restore!.ongoing) {
            await fails(store.get({ bucket, key: "cold" }), "InvalidObjectState", 403);
          } else {
            expect(head.restore!.expiryDate).toBeGreaterThan(now());
            expect(await text({ bucket, key: "cold" })).toBe("frozen");
          }
        });
      }

      if (timeTravel) {
        it("refuses reads again once the restored copy expires", async () => {
          await store.put({ bucket, key: "cold", body: "c", storageClass: "GLACIER" });
          await store.restore({ bucket, key: "cold" }, { days: 1 });
          expect(await text({ bucket, key: "cold" })).toBe("c");
          await advance(2 * DAY);
          await fails(store.get({ bucket, key: "cold" }), "InvalidObjectState", 403);
        });
      }
    });

    describe("copy", () => {
      it("copies content, metadata and tags to another bucket and key", async () => {
        const target = await newBucket();
        await store.put({ bucket, key: "src", body: "payload", contentType: "text/csv", metadata: { userMetadata: { a: "1" } }, tags: [{ key: "t", value: "1" }] });
        const result = await store.copy({ source: { bucket, key: "src" }, target: { bucket: target, key: "dst/k" } });
        expect(result.etag).toBe(md5("payload"));
        expect(await text({ bucket: target, key: "dst/k" })).toBe("payload");
        const head = await store.head({ bucket: target, key: "dst/k" });
        expect(head.contentType).toBe("text/csv");
        expect(head.metadata?.userMetadata).toEqual({ a: "1" });
        expect(await store.getTagging({ bucket: target, key: "dst/k" })).toEqual([{ key: "t", value: "1" }]);
        expect(await text({ bucket, key: "src" })).toBe("payload");
      });

      it("refuses to copy an object onto itself without a change (InvalidRequest, 400), and copies it with one", async () => {
        await store.put({ bucket, key: "k", body: "x", metadata: { userMetadata: { a: "1" } } });
        const self = { source: { bucket, key: "k" }, target: { bucket, key: "k" } };
        await fails(store.copy(self), "InvalidRequest", 400);
        await fails(store.copy({ ...self, metadataDirective: "COPY", taggingDirective: "REPLACE", tags: tags(1) }), "InvalidRequest", 400);
        await store.copy({ ...self, storageClass: "STANDARD_IA" });
        expect((await store.head({ bucket, key: "k" })).storageClass).toBe("STANDARD_IA");
        await store.copy({ ...self, metadataDirective: "REPLACE", metadata: { userMetadata: { b: "2" } } });
        expect((await store.head({ bucket, key: "k" })).metadata?.userMetadata).toEqual({ b: "2" });
        expect(await text({ bucket, key: "k" })).toBe("x");
      });

      it("applies the metadata directives: COPY keeps, REPLACE replaces, ADD merges", async () => {
        await store.put({ bucket, key: "src", body: "x", contentType: "text/plain", metadata: { userMetadata: { a: "1", b: "1" } } });
        const source = { bucket, key: "src" };
        await store.copy({ source, target: { bucket, key: "copy" }, metadataDirective: "COPY", metadata: { userMetadata: { z: "9" } } });
        await store.copy({ source, target: { bucket, key: "replace" }, metadataDirective: "REPLACE", metadata: { contentType: "application/json", userMetadata: { z: "9" } } });
        await store.copy({ source, target: { bucket, key: "add" }, metadataDirective: "ADD", metadata: { userMetadata: { b: "2", c: "3" } } });
        expect((await store.head({ bucket, key: "copy" })).metadata?.userMetadata).toEqual({ a: "1", b: "1" });
        const replaced = await store.head({ bucket, key: "replace" });
        expect(replaced.metadata?.userMetadata).toEqual({ z: "9" });
        expect(replaced.contentType).toBe("application/json");
        const added = await store.head({ bucket, key: "add" });
        expect(added.metadata?.userMetadata).toEqual({ a: "1", b: "2", c: "3" });
        expect(added.contentType).toBe("text/plain");
      });

      it("applies the tagging directives, and refuses a merge that passes ten tags", async () => {
        await store.put({ bucket, key: "src", body: "x", tags: [{ key: "a", value: "1" }, { key: "b", value: "1" }] });
        const source = { bucket, key: "src" };
        await store.copy({ source, target: { bucket, key: "replace" }, taggingDirective: "REPLACE", tags: [{ key: "z", value: "9" }] });
        await store.copy({ source, target: { bucket, key: "add" }, taggingDirective: "ADD", tags: [{ key: "b", value: "2" }, { key: "c", value: "3" }] });
        expect(await store.getTagging({ bucket, key: "replace" })).toEqual([{ key: "z", value: "9" }]);
        const added = await store.getTagging({ bucket, key: "add" });
        expect([...added].sort((x, y) => x.key.localeCompare(y.key))).toEqual([
          { key: "a", value: "1" },
          { key: "b", value: "2" },
          { key: "c", value: "3" },
        ]);
        await fails(store.copy({ source, target: { bucket, key: "many" }, taggingDirective: "ADD", tags: tags(9, "x") }), "InvalidTag", 400);
        await fails(store.head({ bucket, key: "many" }), "NoSuchKey", 404);
      });

      it("gives the copy the ACL asked for", async () => {
        await store.put({ bucket, key: "src", body: "x" });
        await store.copy({ source: { bucket, key: "src" }, target: { bucket, key: "public" }, acl: { canned: "public-read" } });
        expect(publicRead(await store.getAcl({ bucket, key: "public" }))).toBe(true);
        expect(publicRead(await store.getAcl({ bucket, key: "src" }))).toBe(false);
      });

      if (copyPreconditions) {
        it("honours the modified-since preconditions on the source (PreconditionFailed, 412)", async () => {
          await store.put({ bucket, key: "src", body: "x" });
          const { lastModified } = await store.head({ bucket, key: "src" });
          const source = { bucket, key: "src" };
          await fails(store.copy({ source, target: { bucket, key: "a" }, modifiedSince: lastModified + DAY }), "PreconditionFailed", 412);
          await fails(store.copy({ source, target: { bucket, key: "b" }, unmodifiedSince: lastModified - DAY }), "PreconditionFailed", 412);
          await store.copy({ source, target: { bucket, key: "c" }, modifiedSince: lastModified - DAY, unmodifiedSince: lastModified + DAY });
          expect(await text({ bucket, key: "c" })).toBe("x");
        });
      }
    });

    if (versioning) {
      describe("versioning", () => {
        let vb: string;
        beforeEach(async () => {
          vb = await newBucket({ versioning: true });
        });

        it("keeps every version, each readable by its id", async () => {
          const one = await store.put({ bucket: vb, key: "k", body: "1" });
          const two = await store.put({ bucket: vb, key: "k", body: "2" });
          expect(one.versionId).toBeTruthy();
          expect(two.versionId).toBeTruthy();
          expect(one.versionId).not.toBe(two.versionId);
          expect(await text({ bucket: vb, key: "k" })).toBe("2");
          expect(await text({ bucket: vb, key: "k", versionId: one.versionId })).toBe("1");
          expect(await store.head({ bucket: vb, key: "k", versionId: one.versionId })).toMatchObject({ versionId: one.versionId, etag: md5("1") });
          expect((await store.head({ bucket: vb, key: "k" })).versionId).toBe(two.versionId);
          expect((await store.list({ bucket: vb })).objects.map((o) => o.key)).toEqual(["k"]);
        });

        it("hides a deleted key behind a delete marker and keeps its versions", async () => {
          const one = await store.put({ bucket: vb, key: "k", body: "1" });
          const deleted = await store.delete({ bucket: vb, key: "k" });
          expect(deleted.deleteMarker).toBe(true);
          expect(deleted.versionId).toBeTruthy();
          await fails(store.head({ bucket: vb, key: "k" }), "NoSuchKey", 404);
          await fails(store.get({ bucket: vb, key: "k" }), "NoSuchKey", 404);
          expect((await store.list({ bucket: vb })).objects).toEqual([]);
          expect(await text({ bucket: vb, key: "k", versionId: one.versionId })).toBe("1");
          await fails(store.head({ bucket: vb, key: "k", versionId: deleted.versionId }), "MethodNotAllowed", 405);
          if (markerGet405) await fails(store.get({ bucket: vb, key: "k", versionId: deleted.versionId }), "MethodNotAllowed", 405);
          await store.delete({ bucket: vb, key: "k", versionId: deleted.versionId });
          expect(await text({ bucket: vb, key: "k" })).toBe("1");
        });

        it("deletes one version for good, and answers NoSuchVersion (404) for it afterwards", async () => {
          const one = await store.put({ bucket: vb, key: "k", body: "1" });
          const two = await store.put({ bucket: vb, key: "k", body: "2" });
          expect(await store.delete({ bucket: vb, key: "k", versionId: two.versionId })).toEqual({ versionId: two.versionId });
          expect(await text({ bucket: vb, key: "k" })).toBe("1");
          await fails(store.get({ bucket: vb, key: "k", versionId: two.versionId }), "NoSuchVersion", 404);
          // Deleting a version that is no longer there succeeds, as S3's DeleteObject does.
          expect(await store.delete({ bucket: vb, key: "k", versionId: two.versionId })).toEqual({ versionId: two.versionId });
          expect(await text({ bucket: vb, key: "k", versionId: one.versionId })).toBe("1");
        });

        it("copies a previous version onto its own key, unchanged, making it current again", async () => {
          const one = await store.put({ bucket: vb, key: "k", body: "1" });
          await store.put({ bucket: vb, key: "k", body: "2" });
          const restored = await store.copy({ source: { bucket: vb, key: "k", versionId: one.versionId }, target: { bucket: vb, key: "k" } });
          expect(restored.versionId).toBeTruthy();
          expect(restored.versionId).not.toBe(one.versionId);
          expect(await text({ bucket: vb, key: "k" })).toBe("1");
          await fails(store.copy({ source: { bucket: vb, key: "k" }, target: { bucket: vb, key: "k" } }), "InvalidRequest", 400);
        });

        it("answers NoSuchVersion (404) for a version id of another key", async () => {
          await store.put({ bucket: vb, key: "k", body: "1" });
          const other = await store.put({ bucket: vb, key: "other", body: "o" });
          await fails(store.get({ bucket: vb, key: "k", versionId: other.versionId }), "NoSuchVersion", 404);
          await fails(store.getTagging({ bucket: vb, key: "k", versionId: other.versionId }), "NoSuchVersion", 404);
        });

        it("tags, copies and restores one version without touching the others", async () => {
          const one = await store.put({ bucket: vb, key: "k", body: "1" });
          const two = await store.put({ bucket: vb, key: "k", body: "2" });
          await store.putTagging({ bucket: vb, key: "k", versionId: one.versionId }, [{ key: "old", value: "yes" }]);
          expect(await store.getTagging({ bucket: vb, key: "k", versionId: one.versionId })).toEqual([{ key: "old", value: "yes" }]);
          expect(await store.getTagging({ bucket: vb, key: "k", versionId: two.versionId })).toEqual([]);
          const copied = await store.copy({ source: { bucket: vb, key: "k", versionId: one.versionId }, target: { bucket: vb, key: "c" } });
          expect(copied.versionId).toBeTruthy();
          expect(await text({ bucket: vb, key: "c" })).toBe("1");
          if (restoreOfVersion) {
            const cold = await store.put({ bucket: vb, key: "cold", body: "c", storageClass: "GLACIER" });
            await store.put({ bucket: vb, key: "cold", body: "warm" });
            await store.restore({ bucket: vb, key: "cold", versionId: cold.versionId }, { days: 1 });
            expect((await store.head({ bucket: vb, key: "cold", versionId: cold.versionId })).restore).toBeDefined();
            expect((await store.head({ bucket: vb, key: "cold" })).restore).toBeUndefined();
          }
        });
      });
    }

    if (objectLock) {
      describe("object lock", () => {
        let lb: string;
        beforeEach(async () => {
          lb = await newBucket({ objectLock: true });
        });

        it("needs an object-lock bucket for a legal hold or a retention (InvalidRequest, 400)", async () => {
          await store.put({ bucket, key: "k", body: "x" });
          await fails(store.putLegalHold({ bucket, key: "k" }, "ON"), "InvalidRequest", 400);
          await fails(store.putRetention({ bucket, key: "k" }, { mode: "GOVERNANCE", retainUntil: now() + DAY }), "InvalidRequest", 400);
          await fails(store.copy({ source: { bucket, key: "k" }, target: { bucket, key: "held" }, legalHold: "ON" }), "InvalidRequest", 400);
          await fails(store.head({ bucket, key: "held" }), "NoSuchKey", 404);
        });

        it("blocks deleting a version under legal hold (AccessDenied, 403) until the hold is lifted", async () => {
          const { versionId } = await store.put({ bucket: lb, key: "k", body: "x" });
          await store.putLegalHold({ bucket: lb, key: "k" }, "ON");
          expect((await store.head({ bucket: lb, key: "k" })).legalHold).toBe("ON");
          await fails(store.delete({ bucket: lb, key: "k", versionId }), "AccessDenied", 403);
          await store.putLegalHold({ bucket: lb, key: "k" }, "OFF");
          await store.delete({ bucket: lb, key: "k", versionId });
          await fails(store.head({ bucket: lb, key: "k" }), "NoSuchKey", 404);
        });

        it("records a retention and shows it on head", async () => {
          const retainUntil = now() + 3 * DAY;
          await store.put({ bucket: lb, key: "k", body: "x" });
          await store.putRetention({ bucket: lb, key: "k" }, { mode: "GOVERNANCE", retainUntil });
          const head = await store.head({ bucket: lb, key: "k" });
          expect(head.retention?.mode).toBe("GOVERNANCE");
          expect(Math.abs(head.retention!.retainUntil - retainUntil)).toBeLessThan(1000);
        });

        it("copies with a legal hold and a retention onto an object-lock bucket", async () => {
          await store.put({ bucket, key: "src", body: "x" });
          const retainUntil = now() + DAY;
          await store.copy({ source: { bucket, key: "src" }, target: { bucket: lb, key: "held" }, legalHold: "ON", retention: { mode: "GOVERNANCE", retainUntil } });
          const head = await store.head({ bucket: lb, key: "held" });
          expect(head.legalHold).toBe("ON");
          expect(head.retention?.mode).toBe("GOVERNANCE");
        });

        if (retentionRules) {
          it("never shortens or removes a COMPLIANCE retention (AccessDenied, 403) and keeps the version", async () => {
            const { versionId } = await store.put({ bucket: lb, key: "k", body: "x" });
            const until = now() + 2 * DAY;
            await store.putRetention({ bucket: lb, key: "k" }, { mode: "COMPLIANCE", retainUntil: until });
            await fails(store.putRetention({ bucket: lb, key: "k" }, { mode: "COMPLIANCE", retainUntil: until - DAY }), "AccessDenied", 403);
            await fails(store.putRetention({ bucket: lb, key: "k" }, { bypassGovernance: true }), "AccessDenied", 403);
            await fails(store.delete({ bucket: lb, key: "k", versionId }), "AccessDenied", 403);
            await store.putRetention({ bucket: lb, key: "k" }, { mode: "COMPLIANCE", retainUntil: until + DAY });
          });

          it("lifts a GOVERNANCE retention only with bypass, and refuses a date in the past (InvalidArgument, 400)", async () => {
            await store.put({ bucket: lb, key: "k", body: "x" });
            await fails(store.putRetention({ bucket: lb, key: "k" }, { mode: "GOVERNANCE", retainUntil: now() - DAY }), "InvalidArgument", 400);
            await store.putRetention({ bucket: lb, key: "k" }, { mode: "GOVERNANCE", retainUntil: now() + DAY });
            await fails(store.putRetention({ bucket: lb, key: "k" }, {}), "AccessDenied", 403);
            await store.putRetention({ bucket: lb, key: "k" }, { bypassGovernance: true });
            expect((await store.head({ bucket: lb, key: "k" })).retention).toBeUndefined();
          });

          if (timeTravel) {
            it("lets a version be deleted once its retention has ended", async () => {
              const { versionId } = await store.put({ bucket: lb, key: "k", body: "x" });
              await store.putRetention({ bucket: lb, key: "k" }, { mode: "COMPLIANCE", retainUntil: now() + 1000 });
              await fails(store.delete({ bucket: lb, key: "k", versionId }), "AccessDenied", 403);
              await advance(1001);
              await store.delete({ bucket: lb, key: "k", versionId });
            });
          }
        }
      });
    }
  });
}
