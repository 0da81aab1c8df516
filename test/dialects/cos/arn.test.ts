import { describe, expect, it } from "vitest";
import { ArnError, formatCosArn, parseBucketArn, parseCosArn, parseObjectArn } from "../../../dialects/cos/arn.js";

describe("COS ARNs", () => {
  it("reads both spellings of a bucket to the same bucket", () => {
    expect(parseBucketArn("qcs::cos:ap-chengdu:uid/1250000000:destinationbucket-1250000000")).toEqual({
      region: "ap-chengdu",
      appid: "1250000000",
      bucket: "destinationbucket-1250000000",
    });
    expect(parseBucketArn("qcs::cos:ap-chengdu::destinationbucket-1250000000")).toEqual({
      region: "ap-chengdu",
      bucket: "destinationbucket-1250000000",
    });
  });

  it("reads object keys with slashes and colons", () => {
    expect(parseObjectArn("qcs::cos:ap-chengdu::sourcebucket-1250000000/manifests/batch-copy-manifest.csv")).toEqual({
      region: "ap-chengdu",
      bucket: "sourcebucket-1250000000",
      key: "manifests/batch-copy-manifest.csv",
    });
    expect(parseObjectArn("qcs::cos:ap-chengdu:uid/1250000000:b-1250000000/a:b/c:d.csv").key).toBe("a:b/c:d.csv");
  });

  it("formats what it reads", () => {
    for (const arn of [
      "qcs::cos:ap-chengdu:uid/1250000000:sourcebucket-1250000000/manifests/m.csv",
      "qcs::cos:ap-beijing::result-1250000000",
      "qcs::cos:ap-guangzhou:uid/1:b-1/x:y/z",
    ]) {
      expect(formatCosArn(parseCosArn(arn))).toBe(arn);
    }
  });

  it.each([
    ["arn:aws:s3:::bucket", /must be a COS resource name/],
    ["qcs::cam::uin/100000000001:roleName/x", /must be a COS resource name/],
    ["qcs:project:cos:ap-chengdu::b-1", /must be a COS resource name/],
    ["qcs::cos:AP CHENGDU::b-1", /invalid region/],
    ["qcs::cos:ap-chengdu:uin/1:b-1", /invalid account field "uin\/1"/],
    ["qcs::cos:ap-chengdu::Bucket_1", /invalid bucket "Bucket_1"/],
    ["qcs::cos:ap-chengdu::", /invalid bucket ""/],
  ])("refuses %s", (text, why) => {
    expect(() => parseCosArn(text)).toThrow(ArnError);
    expect(() => parseCosArn(text)).toThrow(why);
  });

  it("tells a bucket from an object", () => {
    expect(() => parseBucketArn("qcs::cos:ap-chengdu::b-1/key")).toThrow(/must name a bucket, not an object/);
    expect(() => parseObjectArn("qcs::cos:ap-chengdu::b-1")).toThrow(/must name an object/);
    expect(() => parseObjectArn("qcs::cos:ap-chengdu::b-1/")).toThrow(/must name an object/);
  });
});
