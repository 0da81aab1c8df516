/** Work leases in memory: implemented in the core, where the engine uses one by default. */
export { defaultWorkLeases, MemoryWorkLeases } from "../core/leases/memory-work-leases.js";
