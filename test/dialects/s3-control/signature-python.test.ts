import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEYS, signedServer } from "../../support/signed.js";

/**
 * SigV4 as botocore signs it, through boto3 (the README's before-sign hook) and through the AWS
 * CLI over HTTP_PROXY, where the signature covers the Host header the CLI sent
 * (`<account>.batchplane.local:9090`), not the proxy's address. Both come with moto, which CI
 * provides: without them these tests fail, never skip.
 */
const run = promisify(execFile);
let rig: Awaited<ReturnType<typeof signedServer>>;
beforeAll(async () => {
  rig = await signedServer();
});
afterAll(() => rig.close());

function cli(args: string[], key: { accessKeyId: string; secretAccessKey: string } = KEYS.s3) {
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HTTP_PROXY: rig.url,
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
  };
  return run("aws", ["s3control", ...args, "--endpoint-url", "http://batchplane.local:9090", "--output", "json"], { env, timeout: 60_000 }).then(
    ({ stdout }) => ({ ok: true as const, out: JSON.parse(stdout || "{}") }),
    (e: { stderr?: string; message: string }) => ({ ok: false as const, err: e.stderr ?? e.message }),
  );
}

describe("S3 Control signatures through botocore", () => {
  it("boto3: accepted as signed; a wrong secret, an unknown key and another account each get S3's code", async () => {
    const { stdout } = await run(
      "python3",
      [join(__dirname, "boto3/signed.py"), rig.url, KEYS.s3.account, KEYS.s3.accessKeyId, KEYS.s3.secretAccessKey, KEYS.s3Other.account],
      { timeout: 60_000 },
    ).catch((e) => {
      throw new Error(`python3 with boto3 is needed (it ships with moto): ${e.stderr || e.message}`);
    });
    const out = JSON.parse(stdout);
    expect(out.describe).toBe("New");
    expect(out.priority).toEqual(["ok", 200]);
    expect(out.wrongSecret).toEqual(["SignatureDoesNotMatch", 403]);
    expect(out.unknownKey).toEqual(["InvalidAccessKeyId", 403]);
    expect(out.otherAccount).toEqual(["AccessDenied", 403]);
  });

  it("the AWS CLI through HTTP_PROXY: accepted, with the Host it sent signed; a wrong secret is SignatureDoesNotMatch", async () => {
    const listed = await cli(["list-jobs", "--account-id", KEYS.s3.account]);
    expect(listed).toMatchObject({ ok: true });
    const hit = rig.hits.at(-1)!;
    expect(hit.target).toMatch(/^http:\/\/123456789012\.batchplane\.local:9090\/v20180820\/jobs/);
    expect(hit.headers.authorization).toMatch(/SignedHeaders=[^,]*host/);
    const wrong = await cli(["list-jobs", "--account-id", KEYS.s3.account], { ...KEYS.s3, secretAccessKey: "not-the-secret" });
    expect(wrong).toMatchObject({ ok: false });
    expect(wrong.ok ? "" : wrong.err).toContain("SignatureDoesNotMatch");
    const other = await cli(["list-jobs", "--account-id", KEYS.s3.account], KEYS.s3Other);
    expect(other.ok ? "" : other.err).toContain("AccessDenied");
  });
});
