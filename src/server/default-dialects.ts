import type { Dialect } from "../../dialects/dialect.js";
import { s3ControlDialect } from "../../dialects/s3-control/index.js";

/** The wire dialects `batchplane serve` mounts, on one port; each claims its own requests. */
export function defaultDialects(): Dialect[] {
  return [s3ControlDialect()];
}
