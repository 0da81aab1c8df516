// @ts-check
/**
 * `npm run mutate`: StrykerJS over the core and the dialects (not part of `npm test` or CI).
 * One folder at a time: `npm run mutate -- --mutate "src/core/jobs/**\/*.ts"`. Incremental: the
 * results of the last run (reports/stryker-incremental.json, not committed: it describes one
 * working tree) are reused for mutants whose code and tests did not change.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.stryker.config.ts", related: true },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: ["src/core/**/*.ts", "dialects/**/*.ts", "!**/index.ts"],
  coverageAnalysis: "perTest",
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  // The machine is shared: never more than two test processes.
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ["clear-text", "progress-append-only", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 80, low: 60, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
