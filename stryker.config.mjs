// @ts-check
import { currentFolder } from "./scripts/mutate-folders.mjs";

/**
 * StrykerJS for `npm run mutate` (scripts/mutate.mjs runs it once per folder; not part of
 * `npm test` or CI). Incremental: each folder's last results (reports/mutation/<folder>.incremental.json,
 * not committed: they describe one working tree) are reused for mutants whose code and tests did
 * not change.
 */
const folder = currentFolder();
const name = folder.replaceAll("/", "-");

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.stryker.config.ts", related: false },
  plugins: ["@stryker-mutator/vitest-runner"],
  // MUTATE_ONLY=<comma-separated files or globs> narrows a run to part of the folder.
  mutate: process.env.MUTATE_ONLY ? process.env.MUTATE_ONLY.split(",") : [`${folder}/**/*.ts`, "!**/index.ts"],
  coverageAnalysis: "perTest",
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  // The machine is shared: never more than two test processes.
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ["clear-text", "progress-append-only", "json"],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  thresholds: { high: 80, low: 60, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
