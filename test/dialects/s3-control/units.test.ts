import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bucketOfArn, objectOfArn, parseS3Arn } from "../../../dialects/s3-control/arn.js";
import { localEndpointConfig } from "../../../dialects/s3-control/index.js";
import { regionOf } from "../../../dialects/s3-control/tenant.js";

describe("S3 ARNs", () => {
  it.each([
    ["arn:aws:s3:::bucket", { bucket: "bucket" }],
    ["arn:aws:s3:::bucket/", { bucket: "bucket" }],
    ["arn:aws:s3:::bucket/a/b c.csv", { bucket: "bucket", key: "a/b c.csv" }],
    ["arn:aws-cn:s3:::bucket/k", { bucket: "bucket", key: "k" }],
    ["arn:aws:s3express:us-east-1:123456789012:bucket/dir--use1-az4--x-s3", { bucket: "dir--use1-az4--x-s3" }],
    ["arn:aws:s3:us-east-1:123456789012:accesspoint/ap", { bucket: "ap" }],
    ["arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/k/1", { bucket: "ap", key: "k/1" }],
  ])("reads %s", (arn, expected) => {
    expect(parseS3Arn(arn, "X")).toEqual(expected);
  });

  it.each([
    ["s3://bucket/key", /is not an S3 ARN/],
    ["arn:aws:s3:::", /names no bucket/],
    ["arn:aws:s3:us-east-1:123456789012:job/x", /names no bucket/],
  ])("refuses %s", (arn, message) => {
    expect(() => parseS3Arn(arn, "X")).toThrow(message);
  });

  it("tells buckets from objects", () => {
    expect(() => bucketOfArn("arn:aws:s3:::b/k", "X")).toThrow("X: must name a bucket, not an object");
    expect(() => objectOfArn("arn:aws:s3:::b", "X")).toThrow("X: must name an object");
  });
});

describe("SigV4 region", () => {
  const head = (headers: Record<string, string>, url = "http://h/v20180820/jobs") => ({ method: "GET", url: new URL(url), headers: new Headers(headers) });
  it("comes from the credential scope, of a header or a presigned query, else us-east-1", () => {
    expect(regionOf(head({ authorization: "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-central-1/s3/aws4_request, SignedHeaders=host, Signature=0" }))).toBe("eu-central-1");
    expect(regionOf(head({}, "http://h/v20180820/jobs?X-Amz-Credential=AKID%2F20240101%2Fap-east-1%2Fs3%2Faws4_request"))).toBe("ap-east-1");
    expect(regionOf(head({ authorization: "Bearer x" }))).toBe("us-east-1");
    expect(regionOf(head({}))).toBe("us-east-1");
  });
});

describe("localEndpointConfig", () => {
  it("returns the local URL as it is, whatever the SDK's endpoint parameters", () => {
    const config = localEndpointConfig("http://127.0.0.1:9090", { region: "eu-west-1" });
    expect(config.region).toBe("eu-west-1");
    expect(config.credentials.accessKeyId).not.toBe("");
    const a = config.endpointProvider();
    expect(a.url.href).toBe("http://127.0.0.1:9090/");
    expect(config.endpointProvider().url).not.toBe(a.url);
    expect(() => localEndpointConfig("ftp://x")).toThrow(/http\(s\) URL/);
  });

  it("does not import the SDK (it must work where the SDK is not installed)", () => {
    const source = readFileSync(new URL("../../../dialects/s3-control/client-config.ts", import.meta.url), "utf8");
    expect(source).not.toMatch(/from\s+["']@aws-sdk/);
    expect(source).not.toMatch(/import\s*\(\s*["']@aws-sdk/);
  });
});
