import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { s3Error } from "../../src/stores/s3/errors.js";
import { signingRegion } from "../../src/stores/s3/region.js";
import { S3ObjectStore } from "../../src/stores/s3-object-store.js";

/** What the S3 store does without a server: loading its SDK, and naming errors. */
describe("S3ObjectStore and its optional SDK", () => {
  it("loads the SDK only when first used, and says which package to install when it is missing", async () => {
    let loads = 0;
    const s = new S3ObjectStore({
      loadSdk: async () => {
        loads++;
        throw Object.assign(new Error("Cannot find package '@aws-sdk/client-s3'"), { code: "ERR_MODULE_NOT_FOUND" });
      },
    });
    expect(loads).toBe(0);
    await expect(s.head({ bucket: "b", key: "k" })).rejects.toThrow("npm install @aws-sdk/client-s3");
    expect(loads).toBe(1);
  });

  it("is imported nowhere in src but with import type or a dynamic import()", () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path);
        else if (e.name.endsWith(".ts") && /^\s*(import|export)\s+(?!type\b)[^;]*from\s+["']@aws-sdk\//m.test(readFileSync(path, "utf8"))) offenders.push(path);
      }
    };
    walk(resolve(__dirname, "../../src"));
    expect(offenders).toEqual([]);
  });

  it("refuses a part size below S3's 5 MiB minimum", () => {
    expect(() => new S3ObjectStore({ partSize: 1024 })).toThrow(RangeError);
  });
});

describe("the region the S3 store signs for", () => {
  it.each([
    ["an explicit region, whatever the environment", { region: "eu-west-1", endpoint: "http://minio" }, { AWS_REGION: "us-west-2" }, "eu-west-1"],
    ["AWS_REGION: left to the SDK, which reads it", { endpoint: "http://minio" }, { AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "eu-west-1" }, undefined],
    ["AWS_DEFAULT_REGION (the AWS CLI's), which the SDK does not read", { endpoint: "http://minio" }, { AWS_DEFAULT_REGION: "eu-west-1" }, "eu-west-1"],
    ["AWS_DEFAULT_REGION without a custom endpoint", {}, { AWS_DEFAULT_REGION: "eu-west-1" }, "eu-west-1"],
    ["a custom endpoint and no region anywhere: us-east-1", { endpoint: "http://minio" }, {}, "us-east-1"],
    ["AWS itself and no region in the environment: the SDK's chain (profiles)", {}, {}, undefined],
  ])("%s", (_what, options, env, region) => {
    expect(signingRegion(options, env)).toBe(region);
  });
});

describe("S3 errors as the port's", () => {
  const ctx = { op: "GetObject", bucket: "b", key: "k" };
  const never = async () => true;
  const sdkError = (name: string, status: number, extra: object = {}) => Object.assign(new Error(`${name} happened`), { name, Code: name, $metadata: { httpStatusCode: status }, ...extra });

  it.each([
    ["SlowDown", 503, "SlowDown", true],
    ["ThrottlingException", 400, "SlowDown", true],
    ["TooManyRequestsException", 429, "SlowDown", true],
    ["InternalError", 500, "InternalError", true],
    ["ServiceUnavailable", 503, "ServiceUnavailable", true],
    ["RequestTimeout", 400, "RequestTimeout", true],
    ["NoSuchKey", 404, "NoSuchKey", false],
    ["AccessDenied", 403, "AccessDenied", false],
    ["InvalidObjectState", 403, "InvalidObjectState", false],
    ["ObjectNotInActiveTierError", 403, "InvalidObjectState", false],
  ] as const)("%s (%i) becomes %s, retryable: %s", async (name, status, code, retryable) => {
    expect(await s3Error(sdkError(name, status), ctx, never)).toMatchObject({ code, status, retryable });
  });

  it("names a bodiless 404 by asking whether the bucket exists", async () => {
    const notFound = Object.assign(new Error("UnknownError"), { name: "NotFound", $metadata: { httpStatusCode: 404 } });
    expect(await s3Error(notFound, ctx, async () => true)).toMatchObject({ code: "NoSuchKey", status: 404 });
    expect(await s3Error(notFound, { ...ctx, versionId: "v1" }, async () => true)).toMatchObject({ code: "NoSuchVersion", status: 404 });
    expect(await s3Error(notFound, ctx, async () => false)).toMatchObject({ code: "NoSuchBucket", status: 404 });
  });

  it("treats timeouts and dropped connections as retryable", async () => {
    const timeout = Object.assign(new Error("Connection timed out after 1000 ms"), { name: "TimeoutError" });
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(await s3Error(timeout, ctx, never)).toMatchObject({ code: "RequestTimeout", retryable: true });
    expect(await s3Error(reset, ctx, never)).toMatchObject({ code: "ServiceUnavailable", retryable: true });
    expect(await s3Error(new Error("a bug"), ctx, never)).toMatchObject({ code: "InternalError", status: 500 });
  });
});
