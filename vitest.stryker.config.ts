import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * The tests `npm run mutate` runs against each mutant. Stryker switches mutants on inside the
 * test process, so tests that exercise a child process (the CLI, a killed server, the README and
 * examples run by tsx, boto3) or moto cannot kill a mutant; they are left out to save time.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        "**/node_modules/**",
        "test/server/cli.test.ts",
        "test/server/kill-and-resume.test.ts",
        "test/server/serve-checkpoints.test.ts",
        "test/server/serve-s3.test.ts",
        "test/stores/fs-crash.test.ts",
        "test/stores/s3-object-store.test.ts",
        "test/dialects/s3-control/boto3/**",
        "test/examples.test.ts",
        "test/readme.test.ts",
      ],
    },
  }),
);
