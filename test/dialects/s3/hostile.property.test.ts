import fc from "fast-check";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dialect, WireRequest } from "../../../dialects/dialect.js";
import { s3Dialect } from "../../../dialects/s3/index.js";
import { FsObjectStore } from "../../../src/stores/fs-object-store.js";
import { MemoryObjectStore } from "../../../src/stores/memory-object-store.js";

/**
 * Whatever arrives at the S3 object API (odd paths, path-escape keys, every sub-resource with any
 * value, hostile headers, broken XML and chunked bodies), the answer is S3's: a result or an
 * `<Error>` envelope with a code, never a 5xx, always an x-amz-request-id; and no key ever reaches
 * outside the filesystem store's directory.
 */

const SUBRESOURCES = ["versioning", "versions", "list-type", "delete", "tagging", "acl", "legal-hold", "retention", "restore", "uploads", "uploadId", "partNumber", "versionId", "location", "object-lock", "replication", "prefix", "delimiter", "max-keys", "continuation-token", "marker", "key-marker", "start-after", "encoding-type", "fetch-owner"];
const HEADERS = ["range", "x-amz-copy-source", "x-amz-metadata-directive", "x-amz-tagging-directive", "x-amz-tagging", "x-amz-acl", "x-amz-grant-read", "x-amz-storage-class", "x-amz-object-lock-legal-hold", "x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date", "x-amz-bucket-object-lock-enabled", "x-amz-content-sha256", "x-amz-decoded-content-length", "content-encoding", "content-length", "x-amz-copy-source-if-modified-since", "x-amz-bypass-governance-retention", "x-amz-meta-a"];
const ESCAPES = ["..", "../..", "../../etc/passwd", "%2e%2e", "%2e%2e%2f%2e%2e%2fescaped", "a/../../escaped", "./x", "a//b", ".batchplane/tmp/x", "%00", "%ZZ", "\\..\\x", "%2F", "escaped/.."];
const ELEMENTS = ["Tagging", "TagSet", "Tag", "Key", "Value", "Delete", "Object", "VersionId", "Quiet", "VersioningConfiguration", "Status", "LegalHold", "Retention", "Mode", "RetainUntilDate", "RestoreRequest", "Days", "GlacierJobParameters", "Tier", "CompleteMultipartUpload", "Part", "PartNumber", "ETag", "AccessControlPolicy", "AccessControlList", "Grant", "Grantee", "ID", "URI", "Permission", "Owner", "CreateBucketConfiguration", "LocationConstraint"];

const anyText = fc.string({ unit: "binary", maxLength: 60 });
const segment = fc.oneof(
  { arbitrary: fc.constantFrom("hostile", "hostile-fs", "nobucket", "a", "", "Bad_Bucket", "jobs"), weight: 3 },
  { arbitrary: fc.constantFrom(...ESCAPES), weight: 3 },
  { arbitrary: fc.string({ maxLength: 12 }).map(encodeURIComponent), weight: 2 },
);
const path = fc.array(segment, { minLength: 0, maxLength: 4 }).map((s) => `/${s.join("/")}`);
const value = fc.oneof(fc.constantFrom("", "1", "0", "-1", "99999999999", "url", "true", "Enabled", "bytes=0-0", "bytes=-0", "bytes=5-1", "hostile/k", "/hostile/..%2f..%2fescaped", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "aws-chunked", "COPY", "REPLACE", "GOVERNANCE", "2999-01-01T00:00:00Z", "ON", "public-read", "GLACIER", "id=\"x\"", "a=1&b"), anyText);
const xmlTree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.tuple(fc.constantFrom(...ELEMENTS), anyText).map(([n, t]) => `<${n}>${t.replace(/[<&]/g, "")}</${n}>`),
    fc.tuple(fc.constantFrom(...ELEMENTS), fc.array(tie("node"), { maxLength: 5 })).map(([n, cs]) => `<${n}>${cs.join("")}</${n}>`),
  ),
})).node;
const body = fc.oneof(fc.constant(""), xmlTree, anyText, fc.constantFrom("5\r\nhello\r\n0\r\n\r\n", "ffffffff\r\nx", "3\r\nab", '<!DOCTYPE x [<!ENTITY a "b">]><Tagging/>'));

const request = fc.record({
  method: fc.constantFrom("GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"),
  path,
  query: fc.array(fc.tuple(fc.constantFrom(...SUBRESOURCES), fc.option(value, { nil: undefined })), { maxLength: 3 }),
  headers: fc.array(fc.tuple(fc.constantFrom(...HEADERS), value), { maxLength: 3 }),
  host: fc.constantFrom("127.0.0.1:9090", "hostile.localhost:9090", "..localhost", "x.s3.us-east-1.amazonaws.com", "localhost"),
  body,
});

let dir: string;
const run = Math.random().toString(16).slice(2, 8);
let dialects: Dialect[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "batchplane-s3-hostile-"));
  const fsStore = new FsObjectStore({ dir: join(dir, "data") });
  await fsStore.createBucket("hostile-fs");
  const memory = new MemoryObjectStore();
  await memory.createBucket("hostile");
  dialects = [s3Dialect({ objects: memory, minPartSize: 1 }), s3Dialect({ objects: fsStore, minPartSize: 1 })];
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the S3 object API under hostile input", () => {
  it("answers every request with a result or S3's <Error> envelope: never a 5xx, always a request id", async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.constantFrom(0, 1), async (r, which) => {
        const dialect = dialects[which]!;
        const search = r.query.map(([k, v]) => (v === undefined ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)).join("&");
        const target = r.path.replace(/escaped/g, `escaped-${run}`);
        let url: URL;
        try {
          url = new URL(`http://${r.host}${target}${search ? `?${search}` : ""}`);
        } catch {
          return;
        }
        const headers = new Headers();
        for (const [k, v] of r.headers) {
          try {
            headers.set(k, v.replace(/escaped/g, `escaped-${run}`));
          } catch {
            // a value Headers refuses never reaches a server either
          }
        }
        const head = { method: r.method, url, headers, path: target };
        if (!dialect.claims(head)) return;
        const bytes = Buffer.from(r.body, "utf8");
        const streamed = dialect.streamsBody?.(head) ?? false;
        const wire: WireRequest = streamed
          ? { ...head, body: new Uint8Array(), stream: (async function* () { yield bytes; })() }
          : { ...head, body: bytes };
        const res = await dialect.handle(wire, { jobs: undefined as never });
        if (res.stream) for await (const _ of res.stream) void _;
        expect(res.status, `${r.method} ${target}?${search}: ${String(res.body)}`).toBeLessThan(500);
        expect(res.headers["x-amz-request-id"]).toMatch(/^[0-9A-F]{16}$/);
        if (res.status >= 400) expect(String(res.body)).toMatch(/^<\?xml[^>]*\?><Error><Code>[A-Za-z]+<\/Code><Message>/);
        if (typeof res.body === "string") expect(res.body).not.toMatch(/root:x:0:0/);
      }),
      { numRuns: 400 },
    );
    // No key reached outside the store's directory.
    for (const place of [join(dir, `escaped-${run}`), join(dir, "..", `escaped-${run}`), join(tmpdir(), `escaped-${run}`)]) expect(existsSync(place)).toBe(false);
  }, 240_000);
});
