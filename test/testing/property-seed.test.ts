import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * Property tests draw a new seed each run (test/support/fast-check-seed.ts): a failed one must
 * print its seed, also when it timed out before fast-check could say anything, and FC_SEED must
 * replay the same values.
 */
const ROOT = resolve(__dirname, "../..");
const run = promisify(execFile);

async function runFixtures(env: Record<string, string> = {}) {
  const vitest = join(ROOT, "node_modules/vitest/vitest.mjs");
  const config = join(ROOT, "test/fixtures/property/vitest.config.ts");
  const { FC_SEED: _, ...inherited } = process.env;
  try {
    await run(process.execPath, [vitest, "run", "--config", config], { cwd: ROOT, env: { ...inherited, ...env, NO_COLOR: "1" }, timeout: 60_000 });
  } catch (e) {
    const { stdout, stderr, code } = e as { stdout: string; stderr: string; code: number };
    return { code, output: `${stdout}\n${stderr}` };
  }
  throw new Error("the failing fixtures passed");
}

describe("property test seeds", () => {
  it("are printed on failure, timeouts included, and FC_SEED replays the same counterexample", async () => {
    const first = await runFixtures();
    expect(first.code).toBe(1);
    const printed = [...first.output.matchAll(/fast-check seed (-?\d+); replay with: FC_SEED=(-?\d+) npx vitest run (\S+) -t "([^"]+)"/g)];
    expect(printed.map((m) => m[4]).sort()).toEqual(["fails on the first value drawn", "hangs inside a property"]);
    const seed = printed[0]![1]!;
    for (const m of printed) expect([m[1], m[2], m[3]]).toEqual([seed, seed, "failing.fixture.ts"]);
    const counterexample = /Counterexample: (\S+)/.exec(first.output)?.[1];
    expect(counterexample).toBeDefined();

    const replay = await runFixtures({ FC_SEED: seed });
    expect(replay.output).toContain(`fast-check seed ${seed};`);
    expect(/Counterexample: (\S+)/.exec(replay.output)?.[1]).toBe(counterexample);
  }, 120_000);
});
