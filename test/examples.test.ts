import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * The examples the README tells a new user to run (`npm run quickstart`, `npm run example`,
 * `npx tsx examples/oss.ts`, `npx tsx examples/cos-sdk.ts`) run to the end and print what they
 * promise. The other examples have tests of their own beside them.
 */
const ROOT = resolve(__dirname, "..");
const run = promisify(execFile);
const tsx = (file: string) => run(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), file], { cwd: ROOT, timeout: 60_000 });

describe("examples", () => {
  it("quickstart: a confirmed job runs to Complete, a second one is reprioritised and cancelled", async () => {
    const { stdout } = await tsx("examples/quickstart.ts");
    expect(stdout).toMatch(/manifest read, waiting\s+\S+\s+Suspended/);
    expect(stdout).toMatch(/ran\s+\S+\s+Complete/);
    expect(stdout).toContain("2 of 2 tasks succeeded");
    expect(stdout).toContain("(created: false)");
    expect(stdout).toMatch(/cancelled\s+\S+\s+Cancelled\s+priority 99/);
  });

  it("run-a-job (npm run example): prints the completion report, a missing object as a failed row", async () => {
    const { stdout } = await tsx("examples/run-a-job.ts");
    expect(stdout).toContain("Complete: 5 tasks, 4 succeeded, 1 failed");
    expect(stdout).toContain("photos,2026/caf%C3%A9.jpg,,succeeded,200,,Successful");
    expect(stdout).toContain("photos,2026/lost.jpg,,failed,404,NoSuchKey");
  });

  it("oss: the documentation's requests answered in OSS's shapes", async () => {
    const { stdout } = await tsx("examples/oss.ts");
    expect(stdout).toContain("<Status>Cancelling</Status>");
    expect(stdout).toContain("<Code>InvalidRequest</Code>");
  });

  it("cos-sdk: the COS Node SDK drives the dialect", async () => {
    const { stdout } = await tsx("examples/cos-sdk.ts");
    expect(stdout).toContain("Status: 'Cancelled'");
    expect(stdout).toContain("refused 400 InvalidRequest");
  });
});
