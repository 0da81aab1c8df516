export * from "./fs-job-store.js";
export * from "./fs-object-store.js";
export * from "./memory-job-store.js";
export * from "./memory-object-store.js";
export * from "./object-rules.js";
export * from "./object-versions.js";
export * from "./s3-object-store.js";
export * from "./memory-work-leases.js";
