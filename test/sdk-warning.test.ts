import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

/**
 * The AWS SDK prints, once a process on Node < 22, a notice that its 2027 releases need Node 22.
 * batchplane's own processes turn it off with the SDK's documented switch
 * (`AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true`): the CLI (test/server/cli-startup),
 * `npm test` (vitest.config.ts, inherited by every process a test starts: the README blocks,
 * test/readme.test.ts), and each example that makes an SDK client, by itself, since a user runs
 * it with `npx tsx examples/...` in their own shell. Here the examples run without the switch in
 * their environment, as from a user's shell.
 */
const ROOT = resolve(__dirname, "..");
const SWITCH = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";
const NOTICE = "NodeVersionSupportWarning";
const run = promisify(execFile);

function withoutSwitch(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env[SWITCH];
  return env;
}

const tsx = (args: string[]) => run(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), ...args], { cwd: ROOT, env: withoutSwitch(), timeout: 60_000 });

/** The runnable examples (not test files) that make an AWS SDK client. */
const sdkExamples = readdirSync(join(ROOT, "examples"))
  .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
  .filter((name) => /new S3(Control)?Client\(/.test(readFileSync(join(ROOT, "examples", name), "utf8")));

const nodeMajor = Number(process.versions.node.split(".")[0]);

describe("the AWS SDK's Node-20 notice", () => {
  it("is printed by an SDK client in a process without the switch (what the checks below would catch)", async () => {
    const { stderr } = await tsx(["-e", 'const { S3ControlClient } = require("@aws-sdk/client-s3-control"); new S3ControlClient({ region: "us-east-1" });']);
    // The SDK warns below Node 22 only; above it there is nothing to silence.
    expect(stderr.includes(NOTICE)).toBe(nodeMajor < 22);
  });

  it("is on in npm test's environment (vitest.config.ts), which the README blocks run in", () => {
    expect(process.env[SWITCH]).toBe("true");
  });

  it("finds the SDK examples", () => {
    expect(sdkExamples).toEqual(expect.arrayContaining(["s3-control-sdk.ts", "embed-in-node-http.ts"]));
  });

  it.each(sdkExamples)("is not printed by examples/%s", async (name) => {
    const { stderr } = await tsx([join("examples", name)]);
    expect(stderr).not.toContain(NOTICE);
  });
});
