import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosDialect } from "../../../dialects/cos/index.js";
import type { RequestHead } from "../../../dialects/dialect.js";
import { ossDialect } from "../../../dialects/oss/index.js";
import { s3Dialect } from "../../../dialects/s3/index.js";
import { s3ControlDialect } from "../../../dialects/s3-control/index.js";
import { serve, type RunningServer } from "../../../src/server/serve.js";
import { MemoryObjectStore } from "../../../src/stores/memory-object-store.js";

/** The AWS SDK v3 S3 client, and the wire as sent, against the S3 object API on a real port. */
const KEY = { dialect: "s3", accessKeyId: "AKIAS3SDKTESTKEY0001", secretAccessKey: "s3/sdk/test/secret/key/000000000000000000", account: "123456789012" };
let server: RunningServer;
let client: S3Client;
const objects = new MemoryObjectStore();
beforeAll(async () => {
  // The body limit of the job APIs (1 MiB) does not bound object uploads: they stream.
  server = await serve({ port: 0, objects, runJobs: false, credentials: [KEY], maxBodyBytes: 1024 * 1024 });
  client = new S3Client({ endpoint: server.url, region: "us-east-1", forcePathStyle: true, credentials: KEY, maxAttempts: 1 });
});
afterAll(async () => {
  client?.destroy();
  await server?.close();
});

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: { name: string; $metadata: { httpStatusCode?: number } }) => ({ name: e.name, status: e.$metadata?.httpStatusCode }));

/** A raw request to the server with any Host header (virtual-host style needs no DNS). */
function raw(method: string, path: string, host: string, body?: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: { host } }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("the S3 object API through the AWS SDK v3", () => {
  it("answers S3's error codes and statuses", async () => {
    await client.send(new CreateBucketCommand({ Bucket: "sdk-errors" }));
    expect(await failure(client.send(new CreateBucketCommand({ Bucket: "sdk-errors" })))).toEqual({ name: "BucketAlreadyOwnedByYou", status: 409 });
    expect(await failure(client.send(new GetObjectCommand({ Bucket: "sdk-errors", Key: "nope" })))).toEqual({ name: "NoSuchKey", status: 404 });
    expect(await failure(client.send(new GetObjectCommand({ Bucket: "sdk-nobucket", Key: "k" })))).toEqual({ name: "NoSuchBucket", status: 404 });
    expect(await failure(client.send(new HeadBucketCommand({ Bucket: "sdk-nobucket" })))).toEqual({ name: "NotFound", status: 404 });
    expect(await failure(client.send(new CreateBucketCommand({ Bucket: "Bad_Name" })))).toEqual({ name: "InvalidBucketName", status: 400 });
    await client.send(new PutObjectCommand({ Bucket: "sdk-errors", Key: "five", Body: "12345" }));
    expect(await failure(client.send(new GetObjectCommand({ Bucket: "sdk-errors", Key: "five", Range: "bytes=9-" })))).toEqual({ name: "InvalidRange", status: 416 });
  });

  it("streams uploads past the server's body limit, reads ranges, and keeps content headers and metadata", async () => {
    await client.send(new CreateBucketCommand({ Bucket: "sdk-objects" }));
    const data = randomBytes(3 * 1024 * 1024 + 7);
    const put = await client.send(new PutObjectCommand({ Bucket: "sdk-objects", Key: "dir/blob.bin", Body: data, ContentType: "application/x-test", Metadata: { owner: "qa" } }));
    expect(put.ETag).toBe(`"${md5(data)}"`);
    const head = await client.send(new HeadObjectCommand({ Bucket: "sdk-objects", Key: "dir/blob.bin" }));
    expect(head).toMatchObject({ ContentLength: data.byteLength, ContentType: "application/x-test", Metadata: { owner: "qa" }, ETag: `"${md5(data)}"` });
    const whole = await client.send(new GetObjectCommand({ Bucket: "sdk-objects", Key: "dir/blob.bin" }));
    expect(md5(await whole.Body!.transformToByteArray())).toBe(md5(data));
    const part = await client.send(new GetObjectCommand({ Bucket: "sdk-objects", Key: "dir/blob.bin", Range: "bytes=100-199" }));
    expect(part.ContentRange).toBe(`bytes 100-199/${data.byteLength}`);
    expect(Buffer.from(await part.Body!.transformToByteArray())).toEqual(data.subarray(100, 200));
    const tail = await client.send(new GetObjectCommand({ Bucket: "sdk-objects", Key: "dir/blob.bin", Range: "bytes=-5" }));
    expect(Buffer.from(await tail.Body!.transformToByteArray())).toEqual(data.subarray(data.byteLength - 5));

    await client.send(new CopyObjectCommand({ Bucket: "sdk-objects", Key: "copy.bin", CopySource: "sdk-objects/dir/blob.bin", MetadataDirective: "REPLACE", ContentType: "text/plain" }));
    expect(await client.send(new HeadObjectCommand({ Bucket: "sdk-objects", Key: "copy.bin" }))).toMatchObject({ ContentType: "text/plain", ContentLength: data.byteLength });
  });

  it("lists with prefix, delimiter and pagination (ListObjectsV2 and ListObjects)", async () => {
    await client.send(new CreateBucketCommand({ Bucket: "sdk-list" }));
    const keys = ["a.txt", "b/1", "b/2", "b/3", "c/x/1", "c/y", "d.txt", "e/1", "f.txt"];
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: "sdk-list", Key: key, Body: key }));
    const seen: { keys: string[]; prefixes: string[]; pages: number } = { keys: [], prefixes: [], pages: 0 };
    for await (const page of paginateListObjectsV2({ client, pageSize: 2 }, { Bucket: "sdk-list", Delimiter: "/" })) {
      seen.pages++;
      expect((page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0)).toBeLessThanOrEqual(2);
      seen.keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      seen.prefixes.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!));
    }
    expect(seen).toEqual({ keys: ["a.txt", "d.txt", "f.txt"], prefixes: ["b/", "c/", "e/"], pages: 3 });
    const all: string[] = [];
    for await (const page of paginateListObjectsV2({ client, pageSize: 4 }, { Bucket: "sdk-list", Prefix: "c/" })) all.push(...(page.Contents ?? []).map((o) => o.Key!));
    expect(all).toEqual(["c/x/1", "c/y"]);
    const v1 = await client.send(new ListObjectsCommand({ Bucket: "sdk-list", Marker: "b/2", MaxKeys: 3 }));
    expect(v1.Contents?.map((o) => o.Key)).toEqual(["b/3", "c/x/1", "c/y"]);
    expect(v1.IsTruncated).toBe(true);
    const grouped = await client.send(new ListObjectsCommand({ Bucket: "sdk-list", Delimiter: "/", MaxKeys: 2 }));
    expect([grouped.Contents?.map((o) => o.Key), grouped.CommonPrefixes?.map((p) => p.Prefix), grouped.NextMarker]).toEqual([["a.txt"], ["b/"], "b/"]);
    const next = await client.send(new ListObjectsCommand({ Bucket: "sdk-list", Delimiter: "/", MaxKeys: 2, Marker: grouped.NextMarker }));
    expect(next.CommonPrefixes?.map((p) => p.Prefix)).toEqual(["c/"]);
    expect(next.Contents?.map((o) => o.Key)).toEqual(["d.txt"]);

    const deleted = await client.send(new DeleteObjectsCommand({ Bucket: "sdk-list", Delete: { Objects: [{ Key: "a.txt" }, { Key: "never" }, { Key: "b/1" }] } }));
    expect(deleted.Deleted?.map((d) => d.Key)).toEqual(["a.txt", "never", "b/1"]);
    expect(deleted.Errors ?? []).toEqual([]);
  });

  it("multipart: parts in order become one object; a wrong part, a short part or an unknown upload is refused", async () => {
    await client.send(new CreateBucketCommand({ Bucket: "sdk-mpu" }));
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: "sdk-mpu", Key: "big", ContentType: "application/zip" }));
    const one = randomBytes(5 * 1024 * 1024);
    const two = randomBytes(1234);
    const p1 = await client.send(new UploadPartCommand({ Bucket: "sdk-mpu", Key: "big", UploadId, PartNumber: 1, Body: one }));
    const p2 = await client.send(new UploadPartCommand({ Bucket: "sdk-mpu", Key: "big", UploadId, PartNumber: 2, Body: two }));
    expect(p1.ETag).toBe(`"${md5(one)}"`);
    expect(await failure(client.send(new CompleteMultipartUploadCommand({ Bucket: "sdk-mpu", Key: "big", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0000"' }] } })))).toEqual({ name: "InvalidPart", status: 400 });
    expect(await failure(client.send(new CompleteMultipartUploadCommand({ Bucket: "sdk-mpu", Key: "big", UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: p2.ETag }, { PartNumber: 1, ETag: p1.ETag }] } })))).toEqual({ name: "InvalidPartOrder", status: 400 });
    await client.send(new CompleteMultipartUploadCommand({ Bucket: "sdk-mpu", Key: "big", UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }));
    const got = await client.send(new GetObjectCommand({ Bucket: "sdk-mpu", Key: "big" }));
    expect(got.ContentType).toBe("application/zip");
    expect(md5(await got.Body!.transformToByteArray())).toBe(md5(Buffer.concat([one, two])));
    expect(await failure(client.send(new UploadPartCommand({ Bucket: "sdk-mpu", Key: "big", UploadId, PartNumber: 3, Body: two })))).toEqual({ name: "NoSuchUpload", status: 404 });

    const small = await client.send(new CreateMultipartUploadCommand({ Bucket: "sdk-mpu", Key: "small" }));
    const s1 = await client.send(new UploadPartCommand({ Bucket: "sdk-mpu", Key: "small", UploadId: small.UploadId, PartNumber: 1, Body: two }));
    const s2 = await client.send(new UploadPartCommand({ Bucket: "sdk-mpu", Key: "small", UploadId: small.UploadId, PartNumber: 2, Body: two }));
    expect(await failure(client.send(new CompleteMultipartUploadCommand({ Bucket: "sdk-mpu", Key: "small", UploadId: small.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: s1.ETag }, { PartNumber: 2, ETag: s2.ETag }] } })))).toEqual({ name: "EntityTooSmall", status: 400 });
    await client.send(new AbortMultipartUploadCommand({ Bucket: "sdk-mpu", Key: "small", UploadId: small.UploadId }));
    expect(await failure(client.send(new HeadObjectCommand({ Bucket: "sdk-mpu", Key: "small" })))).toEqual({ name: "NotFound", status: 404 });
  });
});

describe("the S3 object API on the wire", () => {
  it("refuses an unsigned request with S3's <Error> envelope and an x-amz-request-id", async () => {
    const res = await raw("GET", "/sdk-errors/five", "127.0.0.1");
    expect(res.status).toBe(403);
    expect(res.headers["x-amz-request-id"]).toMatch(/^[0-9A-F]{16}$/);
    expect(res.body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Error><Code>AccessDenied<\/Code><Message>[^<]+<\/Message>.*<RequestId>[0-9A-F]{16}<\/RequestId><HostId>/);
  });

  it("addresses buckets virtual-host style (bucket.localhost) as well as path-style", async () => {
    const signed = new S3Client({ endpoint: `http://localhost:${new URL(server.url).port}`, region: "us-east-1", forcePathStyle: false, credentials: KEY, maxAttempts: 1 });
    // The SDK puts the bucket in the host name; the connection goes to 127.0.0.1 whatever the name.
    signed.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { hostname: string; headers: Record<string, string> };
        req.headers.host = `${req.hostname}:${new URL(server.url).port}`;
        req.hostname = "127.0.0.1";
        return next(args);
      },
      { step: "finalizeRequest", priority: "low", name: "toLoopback" },
    );
    await signed.send(new CreateBucketCommand({ Bucket: "vhost-bucket" }));
    await signed.send(new PutObjectCommand({ Bucket: "vhost-bucket", Key: "dir/k.txt", Body: "virtual" }));
    expect(await (await client.send(new GetObjectCommand({ Bucket: "vhost-bucket", Key: "dir/k.txt" }))).Body!.transformToString()).toBe("virtual");
    expect(await (await signed.send(new GetObjectCommand({ Bucket: "vhost-bucket", Key: "dir/k.txt" }))).Body!.transformToString()).toBe("virtual");
    signed.destroy();
  });
});

describe("claims", () => {
  const dialects = [s3ControlDialect(), ossDialect(), cosDialect(), s3Dialect({ objects: new MemoryObjectStore() })];
  const head = (method: string, target: string, headers: Record<string, string> = {}): RequestHead => ({ method, url: new URL(target, "http://127.0.0.1:9090"), headers: new Headers(headers), path: target.split("?")[0] });
  const claimants = (h: RequestHead) => dialects.filter((d) => d.claims(h)).map((d) => d.name);

  it("leave each job API its own requests and take every other one: no request is claimed twice", () => {
    expect(claimants(head("GET", "/v20180820/jobs", { "x-amz-account-id": "123456789012" }))).toEqual(["s3-control"]);
    expect(claimants(head("GET", "/v20180820/jobs/abc/tagging"))).toEqual(["s3-control"]);
    expect(claimants(head("POST", "/?batchJob"))).toEqual(["oss"]);
    expect(claimants(head("GET", "/?batchJobId=1", { authorization: "OSS4-HMAC-SHA256 ..." }))).toEqual(["oss"]);
    expect(claimants(head("GET", "/jobs", { "x-cos-appid": "1250000000" }))).toEqual(["cos"]);
    expect(claimants(head("POST", "/jobs/1/status"))).toEqual(["cos"]);
    // A bucket called "jobs", path-style, as an AWS client sends it: the object API's.
    expect(claimants(head("GET", "/jobs/key", { "x-amz-date": "20260101T000000Z" }))).toEqual(["s3"]);
    expect(claimants(head("GET", "/"))).toEqual(["s3"]);
    expect(claimants(head("PUT", "/bucket/key?tagging"))).toEqual(["s3"]);
    expect(claimants(head("GET", "/bucket?list-type=2&prefix=jobs/"))).toEqual(["s3"]);
    expect(claimants(head("GET", "/_batchplane/api/jobs"))).toEqual([]);
  });
});
