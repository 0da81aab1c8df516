import { CreateJobCommand, DescribeJobCommand, S3ControlClient, type CreateJobCommandInput } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine, MemoryObjectStore } from "../../../src/index.js";
import { ACCOUNT, startServer, tagJobInput } from "./support.js";

/** Issue 14's S3 Control fidelity items, through the AWS SDK for JavaScript v3. */
type Server = Awaited<ReturnType<typeof startServer>>;
let server: Server;
let s3: S3ControlClient;
let tokens = 0;

beforeAll(async () => {
  server = await startServer();
  s3 = server.client();
});
afterAll(() => server.close());

async function create(overrides: Record<string, unknown> = {}) {
  const input = { ...tagJobInput(), ClientRequestToken: `fidelity-${++tokens}`, ...overrides } as CreateJobCommandInput;
  return (await s3.send(new CreateJobCommand(input))).JobId!;
}

const describeJob = async (id: string) => (await s3.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: id }))).Job!;

describe("SuspendedCause", () => {
  it("is set when the engine suspends a job for confirmation, beside SuspendedDate", async () => {
    const objects = new MemoryObjectStore({ clock: server.clock, buckets: ["manifests", "photos", "reports"] });
    const { etag } = await objects.put({ bucket: "manifests", key: "m.csv", body: "photos,a.jpg\n" });
    const manifest = { ...tagJobInput().Manifest, Location: { ObjectArn: "arn:aws:s3:::manifests/m.csv", ETag: etag } };
    const id = await create({ ConfirmationRequired: true, Manifest: manifest });
    expect((await describeJob(id)).SuspendedCause).toBeUndefined();
    await new Engine({ jobs: server.jobs, objects, clock: server.clock }).runUntilIdle();
    const job = await describeJob(id);
    expect(job).toMatchObject({ Status: "Suspended", SuspendedDate: new Date(server.clock.now()), SuspendedCause: "AwaitingConfirmation" });
  });
});
