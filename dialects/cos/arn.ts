import { truncate as clip } from "../xml/index.js";

/**
 * COS resource names (spec §8). Two spellings name the same bucket, and both are accepted:
 *   qcs::cos:<region>:uid/<appid>:<bucket>[/<key>]   (GOT, D-CJ TargetResource)
 *   qcs::cos:<region>::<bucket>[/<key>]              (D-CE, D-CJ Report.Bucket, GOX)
 * The general form is qcs:<project>:<service>:<region>:<account>:<resource>; the project is empty
 * for COS. Object keys may hold ':' and '/', so everything after the fifth ':' is the resource.
 */
export interface CosArn {
  region: string;
  /** The appid of a `uid/<appid>` account field; absent for the empty-field form. */
  appid?: string;
  bucket: string;
  /** Only in object ARNs. */
  key?: string;
}

/** Why a string is not the ARN expected; the caller adds which element held it. */
export class ArnError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = "ArnError";
  }
}

const REGION = /^[a-z0-9-]*$/;
const ACCOUNT = /^(?:uid\/(\d{1,64}))?$/;
/** COS bucket names (`<name>-<appid>`): lowercase letters, digits and hyphens. */
const BUCKET = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const SHAPE = "qcs::cos:<region>:uid/<appid>:<bucket> or qcs::cos:<region>::<bucket>";

export function parseCosArn(text: string): CosArn {
  const parts = text.split(":");
  if (parts.length < 6 || parts[0] !== "qcs" || parts[1] !== "" || parts[2] !== "cos") {
    throw new ArnError(`must be a COS resource name (${SHAPE}), got "${clip(text)}"`);
  }
  const [, , , region = "", account = ""] = parts;
  if (!REGION.test(region)) throw new ArnError(`has an invalid region "${clip(region)}"`);
  const appid = ACCOUNT.exec(account);
  if (!appid) throw new ArnError(`has an invalid account field "${clip(account)}": it must be empty or uid/<appid>`);
  const resource = parts.slice(5).join(":");
  const slash = resource.indexOf("/");
  const bucket = slash < 0 ? resource : resource.slice(0, slash);
  if (!BUCKET.test(bucket)) {
    throw new ArnError(`names an invalid bucket "${clip(bucket)}": lowercase letters, digits and hyphens, as <name>-<appid>`);
  }
  const arn: CosArn = { region, bucket };
  if (appid[1] !== undefined) arn.appid = appid[1];
  if (slash >= 0) arn.key = resource.slice(slash + 1);
  return arn;
}

/** A bucket ARN: no object key. */
export function parseBucketArn(text: string): CosArn {
  const arn = parseCosArn(text);
  if (arn.key !== undefined) throw new ArnError(`must name a bucket, not an object: "${clip(text)}"`);
  return arn;
}

/** An object ARN: bucket and a non-empty key. */
export function parseObjectArn(text: string): CosArn & { key: string } {
  const arn = parseCosArn(text);
  if (!arn.key) throw new ArnError(`must name an object (<bucket ARN>/<key>), got "${clip(text)}"`);
  return arn as CosArn & { key: string };
}

export function formatCosArn(arn: CosArn): string {
  const account = arn.appid === undefined ? "" : `uid/${arn.appid}`;
  return `qcs::cos:${arn.region}:${account}:${arn.bucket}${arn.key === undefined ? "" : `/${arn.key}`}`;
}

