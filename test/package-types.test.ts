import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./support/dist.js";

const ROOT = resolve(__dirname, "..");
const run = promisify(execFile);

beforeAll(() => ensureBuilt(), 240_000);

describe("the published types", () => {
  it("pass a consumer's tsc with exactOptionalPropertyTypes and skipLibCheck false (test/fixtures/consumer)", async () => {
    const tsc = run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "test/fixtures/consumer"], { cwd: ROOT, timeout: 120_000 });
    await expect(tsc.then((r) => r.stdout)).resolves.toBe("");
  }, 120_000);
});
