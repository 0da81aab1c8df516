import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    // Property tests: a new seed each run, printed when a test fails, FC_SEED=<n> to replay.
    setupFiles: ["test/support/fast-check-seed.ts"],
  },
});
