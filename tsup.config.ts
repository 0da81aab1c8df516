import { defineConfig } from "tsup";

// One entry per public subpath (package.json "exports" mirrors this list) plus the CLI.
export default defineConfig({
  entry: {
    index: "src/index.ts",
    "s3-control/index": "dialects/s3-control/index.ts",
    "oss/index": "dialects/oss/index.ts",
    "cos/index": "dialects/cos/index.ts",
    "http/index": "src/server/index.ts",
    "testing/index": "src/testing/index.ts",
    "testing/conformance": "src/testing/conformance/index.ts",
    cli: "src/server/cli.ts",
    // The CSV parse worker's entry: dist/csv-worker.js (.cjs) beside the chunks that start it (csv-worker-client.ts).
    "csv-worker": "src/core/manifest/csv-worker.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  splitting: true,
  // import.meta.url in the CommonJS build too: csv-worker-client.ts finds the worker's file by it.
  shims: true,
});
