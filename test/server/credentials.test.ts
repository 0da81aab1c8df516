import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeJobCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../dialects/s3-control/index.js";
import { JobService, MemoryJobStore } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import {
  CredentialsFileError,
  createFetchHandler,
  defaultDialects,
  isLoopback,
  loadCredentials,
  parseCredentials,
  serve,
  signatureNotice,
  type Credential,
  type CredentialsPort,
} from "../../src/server/index.js";
import { KEYS } from "../support/signed.js";

const GOOD = `{
  "adminToken": "0123456789abcdef0123",
  "credentials": [
    { "dialect": "s3-control", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": "s3cret", "account": "123456789012" },
    { "dialect": "oss", "accessKeyId": "LTAI5tExample", "secretAccessKey": "s3cret", "account": "1234567890123456", "sessionToken": "sts" },
    { "dialect": "cos", "accessKeyId": "AKIDExample", "secretAccessKey": "s3cret", "account": "1250000000" }
  ]
}`;

function errorOf(text: string): { line: number; message: string } {
  try {
    parseCredentials(text, "creds.json");
  } catch (e) {
    if (e instanceof CredentialsFileError) return { line: e.line, message: e.message };
    throw e;
  }
  throw new Error("accepted");
}

describe("the credentials file", () => {
  it("reads keys by dialect and access key id, and the admin token", () => {
    const creds = parseCredentials(GOOD);
    expect(creds.entries).toHaveLength(3);
    expect(creds.adminToken).toBe("0123456789abcdef0123");
    expect(creds.find("oss", "LTAI5tExample")).toMatchObject({ account: "1234567890123456", sessionToken: "sts" });
    expect(creds.find("cos", "AKIAIOSFODNN7EXAMPLE")).toBeUndefined();
    expect(parseCredentials(`{ "credentials": [] }`).adminToken).toBeUndefined();
  });

  it.each([
    ["a syntax error", GOOD.replace(`"s3cret", "account": "1250000000"`, `"s3cret" "account": "1250000000"`), 6, /expected "," or "}"/],
    ["an unknown field (a typo)", GOOD.replace(`"secretAccessKey": "s3cret", "account": "123456789012"`, `"secretKey": "s3cret", "account": "123456789012"`), 4, /credentials\.0/],
    ["a wrong account shape", GOOD.replace(`"account": "1250000000"`, `"account": "my-app"`), 6, /credentials\.2\.account: account of a cos key must be the numeric APPID/],
    ["an unknown dialect", GOOD.replace(`"dialect": "oss"`, `"dialect": "aliyun"`), 5, /dialect must be one of s3-control, oss, cos/],
    ["an empty secret", GOOD.replace(`"secretAccessKey": "s3cret", "account": "1234567890123456"`, `"secretAccessKey": "", "account": "1234567890123456"`), 5, /secretAccessKey must not be empty/],
    ["a key listed twice", GOOD.replace(`"AKIDExample"`, `"AKIDExample"`).replace(`"dialect": "cos", "accessKeyId": "AKIDExample"`, `"dialect": "s3-control", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"`).replace(`"account": "1250000000"`, `"account": "123456789012"`), 6, /already listed \(credentials\.0\)/],
    ["a short admin token", GOOD.replace(`"0123456789abcdef0123"`, `"short"`), 2, /adminToken must be at least 16 characters/],
    ["no credentials list", `{\n  "adminToken": "0123456789abcdef0123"\n}`, 1, /credentials must be a list/],
    ["a string where a list belongs", `{\n  "credentials":\n    "AKIA"\n}`, 3, /credentials must be a list/],
  ])("names the line of %s", (_, text, line, message) => {
    const e = errorOf(text);
    expect(e.line).toBe(line);
    expect(e.message).toMatch(new RegExp(`^creds\\.json:${line}: `));
    expect(e.message).toMatch(message);
  });

  it("loads a file, and says which file cannot be read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "batchplane-creds-"));
    try {
      await writeFile(join(dir, "c.json"), GOOD);
      expect((await loadCredentials(join(dir, "c.json"))).entries).toHaveLength(3);
      await expect(loadCredentials(join(dir, "missing.json"))).rejects.toThrow(/missing\.json:0: cannot be read: ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the start-up notice", () => {
  it("says whether signatures are checked, and warns when a non-loopback address has none", () => {
    expect(signatureNotice("127.0.0.1", undefined)).toEqual({ line: expect.stringContaining("signatures are not checked"), warning: undefined });
    expect(signatureNotice("0.0.0.0", undefined).warning).toMatch(/listening on 0\.0\.0\.0 without --credentials/);
    expect(signatureNotice("0.0.0.0", { source: "c.json", keys: 3 })).toEqual({ line: "signatures checked: 3 key(s) from c.json" });
    expect(["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"].every(isLoopback)).toBe(true);
    expect(["0.0.0.0", "::", "10.0.0.5", "example.com", "128.0.0.1"].some(isLoopback)).toBe(false);
  });
});

describe("credentials as a library option", () => {
  it("createFetchHandler asks the embedder's key store (find(dialect, accessKeyId)), and refuses what it does not know", async () => {
    const asked: string[] = [];
    const store: CredentialsPort = {
      async find(dialect, accessKeyId) {
        asked.push(`${dialect}/${accessKeyId}`);
        return accessKeyId === KEYS.s3.accessKeyId ? (KEYS.s3 as Credential) : undefined;
      },
    };
    const clock = new ManualClock(Date.now());
    const handler = createFetchHandler({ jobs: new JobService({ store: new MemoryJobStore(), clock }), dialects: defaultDialects(), credentials: store });
    const client = (key: { accessKeyId: string; secretAccessKey: string }) =>
      new S3ControlClient({
        ...localEndpointConfig("http://127.0.0.1:9", { credentials: key }),
        maxAttempts: 1,
        requestHandler: { handle: async (req: { method: string; hostname: string; path: string; query?: Record<string, string>; headers: Record<string, string>; body?: string }) => {
          const url = `http://${req.hostname}:9${req.path}`;
          const res = await handler(new Request(url, { method: req.method, headers: req.headers, body: req.body }));
          const { Readable } = await import("node:stream");
          return { response: { statusCode: res.status, headers: Object.fromEntries(res.headers), body: Readable.from([Buffer.from(await res.arrayBuffer())]) } };
        } } as never,
      });
    const ok = client(KEYS.s3);
    const e1 = await ok.send(new DescribeJobCommand({ AccountId: KEYS.s3.account, JobId: "00000000-0000-4000-8000-000000000001" })).catch((e: { name: string }) => e.name);
    expect(e1).toBe("NotFoundException");
    const e2 = await client({ accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x" }).send(new DescribeJobCommand({ AccountId: KEYS.s3.account, JobId: "00000000-0000-4000-8000-000000000001" })).catch((e: { name: string }) => e.name);
    expect(e2).toBe("InvalidAccessKeyId");
    expect(asked).toEqual([`s3-control/${KEYS.s3.accessKeyId}`, "s3-control/AKIAUNKNOWN000000000"]);
  });

  let running: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    running = await serve({ port: 0, runJobs: false, credentials: [KEYS.s3], log: () => undefined });
  });
  afterAll(() => running.close());

  it("serve() checks signatures against a list of keys", async () => {
    const c = (key: { accessKeyId: string; secretAccessKey: string }) => new S3ControlClient({ ...localEndpointConfig(running.url, { credentials: key }), maxAttempts: 1 });
    const job = { AccountId: KEYS.s3.account, JobId: "00000000-0000-4000-8000-000000000001" };
    expect(await c(KEYS.s3).send(new DescribeJobCommand(job)).catch((e: { name: string }) => e.name)).toBe("NotFoundException");
    expect(await c({ ...KEYS.s3, secretAccessKey: "wrong" }).send(new DescribeJobCommand(job)).catch((e: { name: string }) => e.name)).toBe("SignatureDoesNotMatch");
  });
});
