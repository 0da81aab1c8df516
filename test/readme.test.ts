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

/**
 * What a block must print: the comment that ends each console.log line (or stands alone on the line
 * after it) is that call's whole output, and the block's output is those, in order, and nothing
 * else. `...` stands for text left out; whitespace is compared loosely, since console.log spreads
 * larger objects over several lines.
 */
function expectedOutput(block: string): { comments: string[]; pattern: RegExp } {
  const lines = block.split("\n");
  const comments = lines.flatMap((line, i) => {
    if (!line.includes("console.log(")) return [];
    const comment = /\);\s*\/\/ (.*)$/.exec(line) ?? /^\/\/ (.*)$/.exec(lines[i + 1] ?? "");
    return comment ? [comment[1]!.trim()] : [];
  });
  const loose = (text: string) => text.trim().replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s+");
  const one = (comment: string) => comment.split("...").map(loose).join("[\\s\\S]*?");
  return { comments, pattern: new RegExp(`^\\s*${comments.map(one).join("\\s+")}\\s*$`) };
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
      const { stdout, stderr } = await run(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), file], { cwd: ROOT, timeout: 60_000 });
      const expected = expectedOutput(block);
      expect(expected.comments.length).toBeGreaterThan(0);
      expect(stdout).toMatch(expected.pattern);
      // npm test's environment turns the AWS SDK's Node-20 notice off (vitest.config.ts; test/sdk-warning.test.ts).
      expect(stderr).not.toContain("NodeVersionSupportWarning");
    });
  });
});
