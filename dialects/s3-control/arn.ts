import { XmlShapeError } from "../xml/index.js";

/**
 * S3 ARNs ↔ the store's bucket and key. The forms the job API takes:
 *   arn:aws:s3:::bucket                      a bucket (report, generator, copy target)
 *   arn:aws:s3:::bucket/key/with/slashes     an object (manifest)
 *   arn:aws:s3express:us-east-1:123456789012:bucket/name--usw2-az1--x-s3   a directory bucket
 *   arn:aws:s3:us-east-1:123456789012:accesspoint/name[/object/key]        an access point
 * A local store has no access points or directory buckets, so their name stands for the bucket.
 */
const ARN = /^arn:([^:]+):(s3|s3express):([^:]*):([^:]*):(.*)$/s;

export interface S3Resource {
  bucket: string;
  key?: string;
}

export function parseS3Arn(arn: string, path: string): S3Resource {
  const m = ARN.exec(arn);
  if (!m) throw new XmlShapeError(path, `is not an S3 ARN: "${arn}"`);
  const resource = m[5]!;
  let bucket: string;
  let key: string | undefined;
  if (m[3] === "" && m[4] === "" && m[2] === "s3") {
    const slash = resource.indexOf("/");
    bucket = slash < 0 ? resource : resource.slice(0, slash);
    key = slash < 0 ? undefined : resource.slice(slash + 1);
  } else {
    const named = /^(bucket|accesspoint)\/([^/]+)(?:\/object\/(.*))?$/s.exec(resource);
    if (!named) throw new XmlShapeError(path, `names no bucket: "${arn}"`);
    bucket = named[2]!;
    key = named[3];
  }
  if (bucket === "") throw new XmlShapeError(path, `names no bucket: "${arn}"`);
  return key === undefined || key === "" ? { bucket } : { bucket, key };
}

export function bucketOfArn(arn: string, path: string): string {
  const r = parseS3Arn(arn, path);
  if (r.key !== undefined) throw new XmlShapeError(path, `must name a bucket, not an object: "${arn}"`);
  return r.bucket;
}

export function objectOfArn(arn: string, path: string): { bucket: string; key: string } {
  const r = parseS3Arn(arn, path);
  if (r.key === undefined) throw new XmlShapeError(path, `must name an object (arn:aws:s3:::bucket/key): "${arn}"`);
  return { bucket: r.bucket, key: r.key };
}

export const bucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;
export const objectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;
