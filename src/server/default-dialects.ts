import type { Dialect } from "../../dialects/dialect.js";
import { cosDialect } from "../../dialects/cos/index.js";
import { ossDialect } from "../../dialects/oss/index.js";
import { s3Dialect } from "../../dialects/s3/index.js";
import { s3ControlDialect } from "../../dialects/s3-control/index.js";
import type { ObjectStore } from "../core/ports.js";

/**
 * The wire dialects `batchplane serve` mounts, on one port; each claims its own requests, and
 * their claims do not overlap: S3 Control `/v20180820/...`, OSS `/?batchJob...`, COS `/jobs...`
 * (without AWS or OSS headers), and, given the object store, the S3 object API: everything else.
 */
export function defaultDialects(objects?: ObjectStore): Dialect[] {
  const jobs = [s3ControlDialect(), ossDialect(), cosDialect()];
  return objects ? [...jobs, s3Dialect({ objects })] : jobs;
}
