import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListJobsCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../dialects/s3-control/index.js";
import { runCli as run } from "../support/cli.js";
import { KEYS } from "../support/signed.js";

/** `batchplane serve --credentials FILE`: signatures checked, a malformed file stops it at start. */
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "batchplane-cli-creds-"));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));
const runCli = (args: string[]) => run(args, { cwd: scratch });

describe("batchplane serve --credentials", () => {
  it("checks every request's signature against the file's keys, and says so at start", async () => {
    const file = join(scratch, "credentials.json");
    await writeFile(file, JSON.stringify({ credentials: [KEYS.s3, KEYS.oss, KEYS.cos] }, null, 2));
    const cli = runCli(["serve", "--port", "0", "--memory", "--credentials", file]);
    try {
      const [, url] = await cli.waitFor(/^batchplane listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
      await cli.waitFor(/^batchplane: signatures checked: 3 key\(s\) from .*credentials\.json$/m);
      const client = (key: { accessKeyId: string; secretAccessKey: string }) => new S3ControlClient({ ...localEndpointConfig(url!, { credentials: key }), maxAttempts: 1 });
      const ok = client(KEYS.s3);
      expect((await ok.send(new ListJobsCommand({ AccountId: KEYS.s3.account }))).Jobs ?? []).toEqual([]);
      const wrong = client({ ...KEYS.s3, secretAccessKey: "wrong" });
      expect(await wrong.send(new ListJobsCommand({ AccountId: KEYS.s3.account })).catch((e: { name: string }) => e.name)).toBe("SignatureDoesNotMatch");
      ok.destroy();
      wrong.destroy();
    } finally {
      cli.child.kill("SIGTERM");
    }
    expect((await cli.exited).code).toBe(0);
  });

  it("guards the admin API with the file's adminToken, and closes it when the file has none", async () => {
    const adminToken = "an-admin-token-of-32-characters!";
    const withToken = join(scratch, "with-token.json");
    const withoutToken = join(scratch, "without-token.json");
    const { dialect, accessKeyId, secretAccessKey, account } = KEYS.s3;
    const key = { dialect, accessKeyId, secretAccessKey, account };
    await writeFile(withToken, JSON.stringify({ credentials: [key], adminToken }));
    await writeFile(withoutToken, JSON.stringify({ credentials: [key] }));
    for (const [file, expected] of [
      [withToken, { none: 401, right: 200, wrong: 401 }],
      [withoutToken, { none: 403, right: 403, wrong: 403 }],
    ] as const) {
      const cli = runCli(["serve", "--port", "0", "--memory", "--credentials", file]);
      try {
        const [, url] = await cli.waitFor(/^batchplane listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
        const status = async (token?: string) =>
          (await fetch(`${url}/_batchplane/api/jobs`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })).status;
        expect({ none: await status(), right: await status(adminToken), wrong: await status("not-the-admin-token") }).toEqual(expected);
      } finally {
        cli.child.kill("SIGTERM");
      }
      expect((await cli.exited).code).toBe(0);
    }
  });

  it("says that signatures are not checked without it", async () => {
    const cli = runCli(["serve", "--port", "0", "--memory"]);
    try {
      await cli.waitFor(/^batchplane: signatures are not checked \(no --credentials\)/m);
      expect(cli.output().stderr).not.toContain("warning");
    } finally {
      cli.child.kill("SIGTERM");
    }
    await cli.exited;
  });

  it("stops at start with the line at fault when the file is malformed", async () => {
    const file = join(scratch, "bad.json");
    await writeFile(file, `{\n  "credentials": [\n    { "dialect": "s3-control", "accessKeyId": "AKIA", "secretAccessKey": "x", "account": "12345" }\n  ]\n}\n`);
    const cli = runCli(["serve", "--port", "0", "--memory", "--credentials", file]);
    expect((await cli.exited).code).toBe(2);
    expect(cli.output().stderr).toMatch(/the credentials file is malformed: .*bad\.json:3: credentials\.0\.account: account of a s3-control key must be a 12-digit AWS account id/);
    expect(cli.output().stdout).not.toContain("listening");
  });
});
