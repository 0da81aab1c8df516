import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./support/dist.js";

const ROOT = resolve(__dirname, "..");
const run = promisify(execFile);

beforeAll(() => ensureBuilt(), 240_000);

// The built package finds its CSV worker (dist/csv-worker.js or .cjs, a tsup entry of its own) in
// plain node, where neither tsx nor vitest helps: a job over a manifest above the threshold.
describe("the built package's CSV worker", () => {
  it.each(["esm", "cjs"])("parses a large manifest on dist's worker (%s)", async (format) => {
    const { stdout } = await run(process.execPath, [join(ROOT, "test/fixtures/dist-csv-worker.mjs"), format], { cwd: ROOT, timeout: 60_000 });
    const result = JSON.parse(stdout.trim());
    expect(result).toMatchObject({ status: "Complete", progress: { total: 1200, succeeded: 1200, failed: 0 }, rows: 1200, succeeded: 1200 });
    expect(result.size).toBeGreaterThan(1024 * 1024);
    // One worker, from the build; preparation and the run each read the manifest through it.
    expect(result.workers).toEqual([format === "cjs" ? "dist/csv-worker.cjs" : "dist/csv-worker.js"]);
    expect(result.batches).toBeGreaterThan(0);
  }, 60_000);
});
