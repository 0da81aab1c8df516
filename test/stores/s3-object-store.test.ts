import { GetObjectTaggingCommand, ListMultipartUploadsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyToBytes, ObjectStoreError } from "../../src/index.js";
import { S3ObjectStore } from "../../src/stores/s3-object-store.js";
import { testObjectStore } from "../../src/testing/conformance/object-store-suite.js";
import { startMoto, type MotoServer } from "../support/moto.js";

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMoto();
}, 40_000);
afterAll(async () => {
  await moto?.stop();
});

const MiB = 1024 * 1024;
const md5 = (data: string | Uint8Array) => createHash("md5").update(data).digest("hex");
const options = () => ({
  endpoint: moto.endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
});
const store = () => new S3ObjectStore(options());

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * moto 5.2.1 deviates from S3 where the options below say so (each checked by hand against moto):
 * it records a retention but enforces none of S3's rules, ignores copy preconditions, answers a
 * malformed continuation token with a 500, a GET of a delete marker's version with NoSuchVersion
 * instead of MethodNotAllowed, and a DeleteObjectTagging of a missing key with a 500; it allows
 * ASCII tags only, and restores the current version whatever version is named. Its clock cannot
 * be moved.
 */
testObjectStore("S3ObjectStore over moto", () => ({ store: store() }), {
  retentionRules: false,
  copyPreconditions: false,
  rejectsBadContinuationToken: false,
  deleteMarkerGetIs405: false,
  unicodeTags: false,
  restoreOfVersion: false,
  deleteTaggingOfMissingKey: false,
});

describe("S3ObjectStore over moto, beyond the port's contract", () => {
  const sdkClient = () =>
    new S3Client({ endpoint: moto.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
  let n = 0;
  async function bucket(s: S3ObjectStore): Promise<string> {
    const name = `s3-extra-${process.pid}-${++n}`;
    await s.createBucket(name);
    return name;
  }

  it("uploads a large streamed body in parts, with its content type and tags", async () => {
    const s = new S3ObjectStore({ ...options(), partSize: 5 * MiB });
    const b = await bucket(s);
    const data = new Uint8Array(11 * MiB).map((_, i) => i % 253);
    async function* chunks() {
      for (let at = 0; at < data.length; at += 700_000) yield data.subarray(at, at + 700_000);
    }
    const { etag } = await s.put({ bucket: b, key: "report.csv", body: chunks(), contentType: "text/csv", tags: [{ key: "t", value: "1" }] });
    expect(etag).toMatch(/^[0-9a-f]{32}-3$/);
    const { info, body } = await s.get({ bucket: b, key: "report.csv" });
    expect(info).toMatchObject({ size: data.length, contentType: "text/csv", etag });
    expect(md5(await bodyToBytes(body))).toBe(md5(data));
    expect(await s.getTagging({ bucket: b, key: "report.csv" })).toEqual([{ key: "t", value: "1" }]);
  });

  it("aborts the multipart upload when the body fails half-way, leaving no object", async () => {
    const s = new S3ObjectStore({ ...options(), partSize: 5 * MiB });
    const b = await bucket(s);
    async function* failing() {
      yield new Uint8Array(6 * MiB);
      throw new Error("source went away");
    }
    await expect(s.put({ bucket: b, key: "broken", body: failing() })).rejects.toThrow("source went away");
    await expect(s.head({ bucket: b, key: "broken" })).rejects.toMatchObject({ code: "NoSuchKey" });
    const uploads = await sdkClient().send(new ListMultipartUploadsCommand({ Bucket: b }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  it("writes tags that the AWS SDK's own client reads back, and reads what it wrote", async () => {
    const s = new S3ObjectStore(options());
    const b = await bucket(s);
    await s.put({ bucket: b, key: "photos/1.jpg", body: "jpeg" });
    await s.putTagging({ bucket: b, key: "photos/1.jpg" }, [{ key: "confidential", value: "true" }]);
    const client = sdkClient();
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket: b, Key: "photos/1.jpg" }));
    expect(tags.TagSet).toEqual([{ Key: "confidential", Value: "true" }]);
    await client.send(new PutObjectCommand({ Bucket: b, Key: "from-sdk", Body: "hello", Metadata: { origin: "sdk" } }));
    expect(await s.head({ bucket: b, key: "from-sdk" })).toMatchObject({ etag: md5("hello"), size: 5, metadata: { userMetadata: { origin: "sdk" } } });
  });

  it("takes region and credentials from the standard AWS environment", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "env-key", AWS_SECRET_ACCESS_KEY: "env-secret", AWS_REGION: "us-east-1" });
    try {
      const s = new S3ObjectStore({ endpoint: moto.endpoint, forcePathStyle: true });
      const b = await bucket(s);
      await s.put({ bucket: b, key: "k", body: "x" });
      expect((await s.list({ bucket: b })).objects.map((o) => o.key)).toEqual(["k"]);
    } finally {
      for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"]) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it("turns an unreachable store into a retryable error", async () => {
    const port = await closedPort();
    const s = new S3ObjectStore({ ...options(), endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
    const error = await s.head({ bucket: "b", key: "k" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect(error).toMatchObject({ code: "ServiceUnavailable", status: 503, retryable: true });
  });

  it("maps the archived-copy error to InvalidObjectState, keeping S3's message", async () => {
    const s = new S3ObjectStore(options());
    const b = await bucket(s);
    await s.put({ bucket: b, key: "cold", body: "c", storageClass: "GLACIER" });
    const error = await s.copy({ source: { bucket: b, key: "cold" }, target: { bucket: b, key: "copy" } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "InvalidObjectState", status: 403, message: expect.stringContaining("not in the active tier") });
  });
});
