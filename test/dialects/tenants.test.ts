import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateJobCommand,
  DescribeJobCommand,
  ListJobsCommand,
  S3ControlClient,
  UpdateJobPriorityCommand,
  type CreateJobCommandInput,
} from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosDialect } from "../../dialects/cos/index.js";
import { localEndpointConfig, s3ControlDialect } from "../../dialects/s3-control/index.js";
import { JobService } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { SequentialIds } from "../../src/core/ids.js";
import { createFetchHandler, createNodeHandler } from "../../src/server/index.js";
import { MemoryJobStore } from "../../src/stores/memory-job-store.js";
import { createBody } from "./cos/examples.js";
import { tagJobInput } from "./s3-control/support.js";

/**
 * A tenant is dialect + account + region. S3 Control and COS both shape job ids as lowercase
 * UUIDs, so with one JobService behind both, a job id from one is a well-formed id for the other:
 * given the same account (a 12-digit number is a valid COS APPID too) and the same region, only the
 * dialect keeps one's jobs from the other.
 */
const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const COS_HOST = `http://${ACCOUNT}.cos-control.${REGION}.myqcloud.com`;

const jobs = new JobService({ store: new MemoryJobStore(), clock: new ManualClock(Date.UTC(2026, 0, 1)), ids: new SequentialIds() });
const cos = createFetchHandler({ jobs, dialects: [cosDialect()] });
let server: Server;
let s3: S3ControlClient;

beforeAll(async () => {
  server = createServer(createNodeHandler({ jobs, dialects: [s3ControlDialect()] }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  s3 = new S3ControlClient({ ...localEndpointConfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { region: REGION }), maxAttempts: 1 });
});
afterAll(async () => {
  s3.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

async function cosSend(method: string, path: string, body?: string) {
  const res = await cos(new Request(`${COS_HOST}${path}`, { method, headers: { "x-cos-appid": ACCOUNT }, body }));
  return { status: res.status, text: await res.text() };
}

const codeOf = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

describe("tenants across wire dialects with the same account and region", () => {
  it("a job created through S3 Control is not found through COS", async () => {
    const input = { ...tagJobInput({ AccountId: ACCOUNT }), ClientRequestToken: "s3-job" } as CreateJobCommandInput;
    const { JobId } = await s3.send(new CreateJobCommand(input));
    const stored = await jobs.get(JobId!);
    expect(stored!.tenant).toEqual({ dialect: "s3-control", account: ACCOUNT, region: REGION });

    const described = await cosSend("GET", `/jobs/${JobId}`);
    expect(described.status).toBe(404);
    expect(codeOf(described.text)).toBe("NoSuchJob");
    const cancelled = await cosSend("POST", `/jobs/${JobId}/status?requestedJobStatus=Cancelled`);
    expect(cancelled.status).toBe(404);
    const listed = await cosSend("GET", "/jobs");
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(JobId!);
    // Through its own dialect it is there, untouched.
    expect((await s3.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId }))).Job!.Status).toBe("New");
  });

  it("a job created through COS is not found through S3 Control", async () => {
    const created = await cosSend("POST", "/jobs", createBody({ token: "cos-job" }));
    expect(created.status).toBe(200);
    const id = /<JobId>([^<]*)<\/JobId>/.exec(created.text)![1]!;
    expect((await jobs.get(id))!.tenant).toEqual({ dialect: "cos", account: ACCOUNT, region: REGION });

    const describe = await s3.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: id })).catch((e) => e);
    expect(describe).toMatchObject({ name: "NotFoundException" });
    const priority = await s3.send(new UpdateJobPriorityCommand({ AccountId: ACCOUNT, JobId: id, Priority: 1 })).catch((e) => e);
    expect(priority).toMatchObject({ name: "NotFoundException" });
    const listed = await s3.send(new ListJobsCommand({ AccountId: ACCOUNT }));
    expect((listed.Jobs ?? []).map((j) => j.JobId)).not.toContain(id);
    expect((await jobs.get(id))!.priority).not.toBe(1);
  });
});
