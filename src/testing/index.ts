/**
 * batchplane/testing: what a team needs to test its own batch-job code against batchplane,
 * deterministically: `import { createTestBed, FaultInjectingStore, readReport } from "batchplane/testing"`.
 */
export { ManualClock } from "../core/clock.js";
export { SequentialIds } from "../core/ids.js";
export * from "./counting-store.js";
export * from "./fault-injecting-store.js";
export * from "./report.js";
export * from "./seed.js";
export * from "./test-bed.js";
export * from "./faulty-port.js";
export * from "./sdk-handler.js";
