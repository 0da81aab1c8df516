import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, runTs } from "../support/cli.js";

/** In one process (tsx's CLI would run the server in a child that a SIGKILL of its parent leaves running). */
const CLI = join(__dirname, "../../src/server/cli.ts");

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "batchplane-lock-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("batchplane serve: one process per data directory (issue 12.4)", () => {
  it("a second server on the same data directory refuses to start, saying which process holds it; after a kill -9 the next one starts", async () => {
    const dir = join(scratch, "data");
    const first = runTs(CLI, ["serve", "--port", "0", "--data-dir", dir], { cwd: scratch });
    try {
      await first.waitFor(/^batchplane listening on /);
      const second = runCli(["serve", "--port", "0", "--data-dir", dir], { cwd: scratch });
      expect((await second.exited).code).toBe(1);
      expect(second.output().stderr).toContain(`batchplane: cannot open the data directory: the data directory ${dir} is in use by another batchplane process (pid `);
      expect(second.output().stdout).not.toContain("listening");
    } finally {
      first.child.kill("SIGKILL");
    }
    await first.exited;
    const third = runCli(["serve", "--port", "0", "--data-dir", dir], { cwd: scratch });
    try {
      await third.waitFor(/^batchplane listening on /);
    } finally {
      expect(await third.stop()).toBe(0);
    }
  }, 60_000);
});
