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

describe("ObjectSizeGreaterThanBytes and ObjectSizeLessThanBytes (the model's long)", () => {
  const generator = (filter: Record<string, unknown>) => ({
    S3JobManifestGenerator: { SourceBucket: "arn:aws:s3:::photos", Filter: filter, EnableManifestOutput: false },
  });

  it("accepts negative bounds and bounds past 2^53, echoes them as sent, and filters as they say", async () => {
    const id = await create({ Manifest: undefined, ManifestGenerator: generator({ ObjectSizeGreaterThanBytes: -1, ObjectSizeLessThanBytes: 2 ** 60 }) });
    expect((await describeJob(id)).ManifestGenerator).toEqual(generator({ ObjectSizeGreaterThanBytes: -1, ObjectSizeLessThanBytes: 2 ** 60 }));

    // "Larger than -1" lists the empty object too; "smaller than -5" lists nothing.
    const objects = new MemoryObjectStore({ clock: server.clock, buckets: ["photos", "reports"] });
    await objects.put({ bucket: "photos", key: "empty", body: "" });
    await objects.put({ bucket: "photos", key: "full", body: "xyz" });
    const none = await create({ Manifest: undefined, ManifestGenerator: generator({ ObjectSizeLessThanBytes: -5 }) });
    await new Engine({ jobs: server.jobs, objects, clock: server.clock }).runUntilIdle();
    expect((await describeJob(id)).ProgressSummary).toMatchObject({ TotalNumberOfTasks: 2, NumberOfTasksSucceeded: 2 });
    expect((await describeJob(none)).ProgressSummary).toMatchObject({ TotalNumberOfTasks: 0 });
  });

  it("refuses what is no long, naming the member", async () => {
    // The SDK writes String(2 ** 63): one past the long's maximum.
    const err = await create({ Manifest: undefined, ManifestGenerator: generator({ ObjectSizeLessThanBytes: 2 ** 63 }) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).toBe("BadRequestException");
    expect(err?.message).toMatch(/Filter\/ObjectSizeLessThanBytes: must be (an integer|at most 9223372036854775807)/);
  });
});
