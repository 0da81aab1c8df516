/**
 * batchplane: the batch-operations job control plane of object storage.
 * `import { JobService, MemoryJobStore, MemoryObjectStore } from "batchplane"`.
 */
export * from "./core/index.js";
export * from "./stores/index.js";
