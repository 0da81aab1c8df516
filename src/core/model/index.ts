export * from "./common.js";
export * from "./job.js";
export * from "./manifest.js";
export * from "./operation.js";
export * from "./report.js";
export * from "./status.js";
