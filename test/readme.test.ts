import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "./support/dist.js";

/**
 * The README must stay true: every TypeScript block it marks `<!-- test: runs -->` is run as
 * written, the way a user runs it after `npm ci`: a file in the repository that imports
 * "batchplane", which Node resolves to the package itself (self-reference through package.json's
 * "exports", so to dist/, which `npm ci` builds with the `prepare` script). What it prints is
 * checked against the comments the block ends its lines with.
 */
const ROOT = resolve(__dirname, "..");
// Inside the package (not under node_modules), so that "batchplane" names the package itself.
const TMP = join(ROOT, ".readme-blocks");
const run = promisify(execFile);

beforeAll(async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  // What makes `npm ci` leave a runnable package behind.
  expect(pkg.scripts.prepare).toBe("npm run build");
  await ensureBuilt();
}, 240_000);

function markedBlocks(): string[] {
  const text = readFileSync(join(ROOT, "README.md"), "utf8");
  return [...text.matchAll(/<!-- test: runs -->\s*```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** A `// Word ...` comment on a console.log line, or on the line after it, names the first thing it prints. */
function expectations(block: string): string[] {
  const lines = block.split("\n");
  return lines.flatMap((line, i) => {
    if (!line.includes("console.log(")) return [];
    const comment = /\/\/ (\S+)/.exec(line.slice(line.lastIndexOf(")"))) ?? /^\/\/ (\S+)/.exec(lines[i + 1] ?? "");
    return comment ? [comment[1]!.replace(/[:,]$/, "")] : [];
  });
}

afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe("README", () => {
  const blocks = markedBlocks();

  it("marks its runnable examples", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  blocks.forEach((block, i) => {
    it(`block ${i + 1} runs as written`, async () => {
      mkdirSync(TMP, { recursive: true });
      const file = join(TMP, `block-${i + 1}.mts`);
      writeFileSync(file, block);
      const { stdout } = await run(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), file], { cwd: ROOT, timeout: 60_000 });
      const expected = expectations(block);
      expect(expected.length).toBeGreaterThan(0);
      for (const word of expected) expect(stdout).toContain(word);
    });
  });
});
