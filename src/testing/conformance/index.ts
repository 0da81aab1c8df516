/**
 * `batchplane/testing/conformance`: the suites every ObjectStore and JobStore batchplane ships
 * runs, for certifying your own store in one call. They use vitest's describe/it, so they live
 * apart from the rest of the toolkit, which needs no test runner.
 */
export {
  testObjectStore,
  type ObjectStoreFactory,
  type ObjectStoreFixture,
  type ObjectStoreSuiteOptions,
} from "./object-store-suite.js";
export { sampleJob, testJobStore, type JobStoreFactory, type JobStoreFixture, type JobStoreSuiteOptions } from "./job-store-suite.js";
export { evenUnits, stepOf, testWorkLeases, type WorkLeaseFactory, type WorkLeaseFixture, type WorkLeaseSuiteOptions } from "./work-lease-suite.js";
