import { defineConfig } from "vitest/config";

// The AWS SDK's Node-20 support notice (see src/server/cli.ts), off in the test workers and every
// process they start, which inherit this environment.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    // Property tests: a new seed each run, printed when a test fails, FC_SEED=<n> to replay.
    setupFiles: ["test/support/fast-check-seed.ts"],
  },
});
