import { afterEach, describe, expect, it } from "vitest";
import { createBody } from "./examples.js";
import { drive, sdkRig, TO_SUSPENDED } from "./support.js";

/** Issue 14's COS fidelity items, through cos-nodejs-sdk-v5's signed request(). */
type Rig = Awaited<ReturnType<typeof sdkRig>>;
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe("COS fidelity", () => {
  it("DescribeJob names the SuspendedCause of a job waiting for confirmation", async () => {
    rig = await sdkRig();
    const body = createBody({ replace: [["<ConfirmationRequired>false", "<ConfirmationRequired>true"]] });
    const id = (await rig.request("POST", "/jobs", { body })).CreateJobResult.JobId;
    expect((await rig.request("GET", `/jobs/${id}`)).DescribeJobResult.Job.SuspendedCause).toBeUndefined();
    await drive(rig.jobs, id, TO_SUSPENDED);
    const job = (await rig.request("GET", `/jobs/${id}`)).DescribeJobResult.Job;
    expect(job).toMatchObject({ Status: "Suspended", SuspendedCause: "AwaitingConfirmation", SuspendedDate: expect.stringMatching(/Z$/) });
  });

  it("reads the empty <TaggingDirective></TaggingDirective> the Go SDK sends for an unset directive as the default", async () => {
    rig = await sdkRig();
    // cos-go-sdk-v5's BatchJobOperationCopy marshals TaggingDirective without omitempty.
    const body = createBody({
      replace: [["<COSPutObjectCopy>", "<COSPutObjectCopy><MetadataDirective></MetadataDirective><TaggingDirective></TaggingDirective>"]],
    });
    const id = (await rig.request("POST", "/jobs", { body })).CreateJobResult.JobId;
    const job = (await rig.jobs.get(id))!;
    expect(job.operation).toEqual({ type: "copy", targetBucket: "destinationbucket-1250000000" });
    const described = (await rig.request("GET", `/jobs/${id}`)).DescribeJobResult.Job;
    expect(described.Operation).toEqual({ COSPutObjectCopy: { TargetResource: "qcs::cos:ap-chengdu:uid/1250000000:destinationbucket-1250000000" } });
  });

  it("still refuses a directive that is not empty and not one of Copy, Replaced, Add", async () => {
    rig = await sdkRig();
    const body = createBody({ replace: [["<COSPutObjectCopy>", "<COSPutObjectCopy><TaggingDirective>Merge</TaggingDirective>"]] });
    const err = await rig.request("POST", "/jobs", { body }).then(
      () => undefined,
      (e: { statusCode: number; code: string; message: string }) => e,
    );
    expect(err).toMatchObject({ statusCode: 400, code: "InvalidArgument", message: expect.stringContaining('must be one of Copy, Replaced, Add, got "Merge"') });
  });
});
