import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobService, MemoryJobStore, MemoryObjectStore, serve, type RunningServer } from "../../../../src/index.js";

/**
 * Issue 14 item 5 through boto3, which sends a long exactly: both ends of the 64-bit range are
 * accepted and DescribeJob answers them digit for digit. Without python3 and boto3 it fails.
 */
const run = promisify(execFile);
let server: RunningServer;

beforeAll(async () => {
  server = await serve({ port: 0, jobs: new JobService({ store: new MemoryJobStore() }), objects: new MemoryObjectStore(), runJobs: false, log: () => undefined });
});
afterAll(() => server.close());

describe("S3 Control size bounds through boto3", () => {
  it("accepts -2^63 and 2^63-1 and echoes them exactly", async () => {
    const { stdout } = await run("python3", [join(__dirname, "sizes.py"), server.url], { timeout: 60_000 }).catch((e) => {
      throw new Error(`python3 with boto3 is needed (it ships with moto): ${e.stderr || e.message}`);
    });
    expect(JSON.parse(stdout)).toEqual({ greater: "-9223372036854775808", less: "9223372036854775807" });
  });
});
