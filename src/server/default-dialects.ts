import type { Dialect } from "../../dialects/dialect.js";
import { cosDialect } from "../../dialects/cos/index.js";
import { ossDialect } from "../../dialects/oss/index.js";
import { s3ControlDialect } from "../../dialects/s3-control/index.js";

/**
 * The wire dialects `batchplane serve` mounts, on one port; each claims its own requests, and
 * their claims do not overlap: S3 Control `/v20180820/...`, OSS `/?batchJob...`, COS `/jobs...`
 * (without AWS or OSS headers).
 */
export function defaultDialects(): Dialect[] {
  return [s3ControlDialect(), ossDialect(), cosDialect()];
}
