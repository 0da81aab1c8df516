import { defineConfig } from "tsup";

// One entry per public subpath; package.json "exports" mirrors this list.
export default defineConfig({
  entry: {
    index: "src/index.ts",
    "testing/index": "src/testing/index.ts",
    "testing/conformance": "src/testing/conformance/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  splitting: true,
});
