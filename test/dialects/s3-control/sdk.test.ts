import {
  CreateJobCommand,
  DeleteJobTaggingCommand,
  DescribeJobCommand,
  GetJobTaggingCommand,
  ListJobsCommand,
  paginateListJobs,
  PutJobTaggingCommand,
  S3ControlClient,
  UpdateJobPriorityCommand,
  UpdateJobStatusCommand,
  type CreateJobCommandInput,
  type JobOperation,
} from "@aws-sdk/client-s3-control";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, OTHER_ACCOUNT, ROLE, startServer, tagJobInput } from "./support.js";

/**
 * Every operation and every error through the official AWS SDK for JavaScript v3, against an
 * in-process node:http server. The SDK parses what batchplane writes exactly as it parses AWS.
 */

type Server = Awaited<ReturnType<typeof startServer>>;
let server: Server;
let s3: S3ControlClient;
let tokens = 0;

beforeAll(async () => {
  server = await startServer();
  s3 = server.client();
});
afterAll(() => server.close());
// No test may end with an InternalServiceException answered: checked after each test on its own
// requests, so that the check depends on no other test having run first.
afterEach(() => {
  expect(server.internal.splice(0)).toEqual([]);
});

async function create(overrides: Record<string, unknown> = {}, client = s3) {
  const input = { ...tagJobInput(), ClientRequestToken: `token-${++tokens}`, ...overrides } as CreateJobCommandInput;
  const { JobId } = await client.send(new CreateJobCommand(input));
  return JobId!;
}

async function describeJob(id: string, client = s3, account = ACCOUNT) {
  return (await client.send(new DescribeJobCommand({ AccountId: account, JobId: id }))).Job!;
}

/** The error the SDK threw, with what tests look at. */
async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata: { httpStatusCode?: number; requestId?: string }; $fault: string };
    return { name: err.name, message: err.message, status: err.$metadata.httpStatusCode, requestId: err.$metadata.requestId, fault: err.$fault };
  }
  throw new Error("expected the request to fail");
}

/** Moves a job as the engine would (the engine itself is not part of this dialect). */
async function suspend(id: string) {
  await server.jobs.advance(id, "prepare");
  await server.jobs.advance(id, "awaitConfirmation");
}

describe("CreateJob and DescribeJob", () => {
  it("creates a job and describes it with every field as submitted", async () => {
    const id = await create({ Description: "tag confidential", Tags: [{ Key: "dept", Value: "finance" }] });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const job = await describeJob(id);
    const input = tagJobInput();
    expect(job).toEqual({
      JobId: id,
      ConfirmationRequired: false,
      Description: "tag confidential",
      JobArn: `arn:aws:s3:us-east-1:${ACCOUNT}:job/${id}`,
      Status: "New",
      Manifest: input.Manifest,
      Operation: input.Operation,
      Priority: 42,
      ProgressSummary: { TotalNumberOfTasks: 0, NumberOfTasksSucceeded: 0, NumberOfTasksFailed: 0, Timers: { ElapsedTimeInActiveSeconds: 0 } },
      FailureReasons: [],
      Report: input.Report,
      CreationTime: new Date(server.clock.now()),
      RoleArn: ROLE,
    });
  });

  it("treats an absent ConfirmationRequired as true (spec 6.3)", async () => {
    const input: Record<string, unknown> = { ...tagJobInput(), ClientRequestToken: `token-${++tokens}` };
    delete input.ConfirmationRequired;
    const { JobId } = await s3.send(new CreateJobCommand(input as unknown as CreateJobCommandInput));
    expect((await describeJob(JobId!)).ConfirmationRequired).toBe(true);
    expect((await server.jobs.get(JobId!))!.confirmationRequired).toBe(true);
  });

  it("maps S3 ARNs to the store's bucket and key", async () => {
    const id = await create({
      Manifest: {
        Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key", "VersionId"] },
        Location: { ObjectArn: "arn:aws:s3:::manifests/dir/list & more.csv", ObjectVersionId: "v1", ETag: "\"abc\"" },
      },
    });
    const job = (await server.jobs.get(id))!;
    expect(job.manifest).toEqual({
      location: { bucket: "manifests", key: "dir/list & more.csv", versionId: "v1", etag: "\"abc\"" },
      format: "csv",
      fields: ["bucket", "key", "versionId"],
    });
    expect(job.report).toMatchObject({ enabled: true, bucket: "reports", prefix: "batch-op", scope: "AllTasks" });
    expect((await describeJob(id)).Manifest!.Location).toEqual({ ObjectArn: "arn:aws:s3:::manifests/dir/list & more.csv", ObjectVersionId: "v1", ETag: "\"abc\"" });
  });

  const when = new Date("2030-05-06T07:08:09.123Z");
  const operations: Record<string, { wire: JobOperation; core: unknown }> = {
    LambdaInvoke: {
      wire: { LambdaInvoke: { FunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:tagger", InvocationSchemaVersion: "2.0", UserArguments: { mode: "fast", n: "" } } },
      core: { type: "invokeFunction", functionId: "arn:aws:lambda:us-east-1:123456789012:function:tagger", schemaVersion: "2.0", userArguments: { mode: "fast", n: "" } },
    },
    S3PutObjectCopy: {
      wire: {
        S3PutObjectCopy: {
          TargetResource: "arn:aws:s3:::copies",
          CannedAccessControlList: "bucket-owner-full-control",
          AccessControlGrants: [{ Grantee: { TypeIdentifier: "emailAddress", Identifier: "a@example.com", DisplayName: "A" }, Permission: "READ" }],
          MetadataDirective: "REPLACE",
          ModifiedSinceConstraint: when,
          NewObjectMetadata: {
            CacheControl: "no-cache",
            ContentDisposition: "inline",
            ContentEncoding: "gzip",
            ContentLanguage: "en",
            UserMetadata: { owner: "me" },
            ContentLength: 12,
            ContentMD5: "md5",
            ContentType: "text/plain",
            HttpExpiresDate: when,
            RequesterCharged: true,
            SSEAlgorithm: "KMS",
          },
          NewObjectTagging: [{ Key: "copied", Value: "yes" }],
          RedirectLocation: "/elsewhere",
          RequesterPays: false,
          StorageClass: "STANDARD_IA",
          UnModifiedSinceConstraint: when,
          SSEAwsKmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/k1",
          TargetKeyPrefix: "copied/",
          ObjectLockLegalHoldStatus: "ON",
          ObjectLockMode: "GOVERNANCE",
          ObjectLockRetainUntilDate: when,
          BucketKeyEnabled: true,
          ChecksumAlgorithm: "SHA256",
        },
      },
      core: { type: "copy", targetBucket: "copies", targetKeyPrefix: "copied/", taggingDirective: "REPLACE", tags: [{ key: "copied", value: "yes" }], retainUntil: when.getTime() },
    },
    S3PutObjectAcl: {
      wire: {
        S3PutObjectAcl: {
          AccessControlPolicy: {
            AccessControlList: { Owner: { ID: "owner-id", DisplayName: "Owner" }, Grants: [{ Grantee: { TypeIdentifier: "id", Identifier: "grantee" }, Permission: "FULL_CONTROL" }] },
            CannedAccessControlList: "private",
          },
        },
      },
      core: { type: "putAcl", cannedAcl: "private", owner: { id: "owner-id", displayName: "Owner" }, grants: [{ grantee: { type: "id", identifier: "grantee" }, permission: "FULL_CONTROL" }] },
    },
    S3PutObjectTagging: { wire: { S3PutObjectTagging: { TagSet: [{ Key: "k", Value: "" }] } }, core: { type: "putTagging", tags: [{ key: "k", value: "" }] } },
    S3DeleteObjectTagging: { wire: { S3DeleteObjectTagging: {} }, core: { type: "deleteTagging" } },
    S3InitiateRestoreObject: { wire: { S3InitiateRestoreObject: { ExpirationInDays: 7, GlacierJobTier: "BULK" } }, core: { type: "restore", days: 7, tier: "Bulk" } },
    S3PutObjectLegalHold: { wire: { S3PutObjectLegalHold: { LegalHold: { Status: "ON" } } }, core: { type: "legalHold", status: "ON" } },
    S3PutObjectRetention: {
      wire: { S3PutObjectRetention: { BypassGovernanceRetention: true, Retention: { RetainUntilDate: when, Mode: "COMPLIANCE" } } },
      core: { type: "retention", mode: "COMPLIANCE", retainUntil: when.getTime(), bypassGovernance: true },
    },
    S3ReplicateObject: { wire: { S3ReplicateObject: {} }, core: { type: "replicate" } },
    S3ComputeObjectChecksum: { wire: { S3ComputeObjectChecksum: { ChecksumAlgorithm: "CRC64NVME", ChecksumType: "FULL_OBJECT" } }, core: { type: "computeChecksum", algorithm: "CRC64NVME", checksumType: "FULL_OBJECT" } },
    S3UpdateObjectEncryption: {
      wire: { S3UpdateObjectEncryption: { ObjectEncryption: { SSEKMS: { KMSKeyArn: "arn:aws:kms:us-east-1:123456789012:key/abc-123", BucketKeyEnabled: false } } } },
      core: { type: "updateEncryption", kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/abc-123", bucketKeyEnabled: false },
    },
  };

  it.each(Object.keys(operations))("reads %s, maps it to a core operation and echoes it back", async (name) => {
    const { wire, core } = operations[name]!;
    const id = await create({ Operation: wire });
    expect((await server.jobs.get(id))!.operation).toMatchObject(core as object);
    expect((await describeJob(id)).Operation).toEqual(wire);
    const listed = (await s3.send(new ListJobsCommand({ AccountId: ACCOUNT, MaxResults: 1 }))).Jobs![0]!;
    expect(listed).toMatchObject({ JobId: id, Operation: name });
  });

  it("covers every operation of the model's JobOperation", () => {
    expect(Object.keys(operations).sort()).toEqual(
      [
        "LambdaInvoke",
        "S3PutObjectCopy",
        "S3PutObjectAcl",
        "S3PutObjectTagging",
        "S3DeleteObjectTagging",
        "S3InitiateRestoreObject",
        "S3PutObjectLegalHold",
        "S3PutObjectRetention",
        "S3ReplicateObject",
        "S3ComputeObjectChecksum",
        "S3UpdateObjectEncryption",
      ].sort(),
    );
  });

  it("reads a manifest generator and describes what it generated", async () => {
    const generator = {
      S3JobManifestGenerator: {
        ExpectedBucketOwner: ACCOUNT,
        SourceBucket: "arn:aws:s3:::photos",
        ManifestOutputLocation: {
          ExpectedManifestBucketOwner: ACCOUNT,
          Bucket: "arn:aws:s3:::manifests",
          ManifestPrefix: "generated",
          ManifestEncryption: { SSES3: {} },
          ManifestFormat: "S3InventoryReport_CSV_20211130" as const,
        },
        Filter: {
          EligibleForReplication: true,
          CreatedAfter: new Date("2024-01-01T00:00:00.000Z"),
          CreatedBefore: new Date("2025-01-01T00:00:00.000Z"),
          ObjectReplicationStatuses: ["NONE" as const, "FAILED" as const],
          KeyNameConstraint: { MatchAnyPrefix: ["2024/"], MatchAnySuffix: [".jpg"], MatchAnySubstring: ["cat"] },
          ObjectSizeGreaterThanBytes: 10,
          ObjectSizeLessThanBytes: 1_000_000,
          MatchAnyStorageClass: ["STANDARD" as const, "GLACIER" as const],
          MatchAnyObjectEncryption: [{ SSEKMS: { KmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/abc", BucketKeyEnabled: true } }],
        },
        EnableManifestOutput: true,
      },
    };
    const id = await create({ Manifest: undefined, ManifestGenerator: generator });
    const job = (await server.jobs.get(id))!;
    expect(job.generator).toMatchObject({
      sourceBucket: "photos",
      enableOutput: true,
      output: { bucket: "manifests", prefix: "generated", encryption: { type: "managed" } },
      filter: { keyPrefixes: ["2024/"], sizeGreaterThan: 10, encryption: [{ type: "kms", kmsKeyId: "arn:aws:kms:us-east-1:123456789012:key/abc", bucketKeyEnabled: true }] },
    });
    await server.jobs.update(id, (draft) => {
      draft.generatedManifest = { location: { bucket: "manifests", key: "generated/job-1/manifest.csv", etag: "e7" }, format: "csv" };
    });
    const described = await describeJob(id);
    expect(described.ManifestGenerator).toEqual(generator);
    expect(described.Manifest).toBeUndefined();
    expect(described.GeneratedManifestDescriptor).toEqual({
      Format: "S3InventoryReport_CSV_20211130",
      Location: { ObjectArn: "arn:aws:s3:::manifests/generated/job-1/manifest.csv", ETag: "e7" },
    });
  });

  it("describes progress, timers, suspension, failure reasons and termination", async () => {
    const id = await create({ ConfirmationRequired: true });
    await suspend(id);
    await server.jobs.update(id, (draft) => {
      draft.suspendedCause = "AwaitingConfirmation";
    });
    const suspendedAt = server.clock.now();
    let job = await describeJob(id);
    expect(job).toMatchObject({ Status: "Suspended", SuspendedDate: new Date(suspendedAt), SuspendedCause: "AwaitingConfirmation" });

    await s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: id, RequestedJobStatus: "Ready", StatusUpdateReason: "looks right" }));
    await server.jobs.advance(id, "start", (d) => {
      d.progress.total = 8;
      d.progress.succeeded = 0;
      d.progress.failed = 0;
    });
    server.clock.advance(12_500);
    await server.jobs.update(id, (d) => {
      d.progress.succeeded = 5;
      d.progress.failed = 3;
    });
    job = await describeJob(id);
    expect(job.ProgressSummary).toEqual({ TotalNumberOfTasks: 8, NumberOfTasksSucceeded: 5, NumberOfTasksFailed: 3, Timers: { ElapsedTimeInActiveSeconds: 12 } });
    expect(job.StatusUpdateReason).toBe("looks right");

    await server.jobs.advance(id, "fail", (d) => {
      d.failureReasons.push({ code: "ManifestNotFound", reason: "Reading the manifest is forbidden: AccessDenied" });
    });
    await server.jobs.advance(id, "failed");
    job = await describeJob(id);
    expect(job).toMatchObject({
      Status: "Failed",
      FailureReasons: [{ FailureCode: "ManifestNotFound", FailureReason: "Reading the manifest is forbidden: AccessDenied" }],
      TerminationDate: new Date(server.clock.now()),
    });
    const listed = (await s3.send(new ListJobsCommand({ AccountId: ACCOUNT, JobStatuses: ["Failed"] }))).Jobs!;
    expect(listed.find((j) => j.JobId === id)).toMatchObject({ Status: "Failed", TerminationDate: new Date(server.clock.now()) });
  });

  it("is idempotent on ClientRequestToken and refuses the token for another request", async () => {
    const input = { ...tagJobInput(), ClientRequestToken: "retry-me" } as CreateJobCommandInput;
    const first = await s3.send(new CreateJobCommand(input));
    const again = await s3.send(new CreateJobCommand(input));
    expect(again.JobId).toBe(first.JobId);
    const other = await failure(s3.send(new CreateJobCommand({ ...input, Priority: 1 })));
    expect(other).toMatchObject({ name: "IdempotencyException", status: 400 });
    expect(other.message).toContain("retry-me");
    // Another operation with everything else the same is another request too.
    const otherOperation = await failure(s3.send(new CreateJobCommand({ ...input, Operation: { S3DeleteObjectTagging: {} } })));
    expect(otherOperation).toMatchObject({ name: "IdempotencyException", status: 400 });
    // The same token in another account is another request.
    const elsewhere = await s3.send(new CreateJobCommand({ ...input, AccountId: OTHER_ACCOUNT }));
    expect(elsewhere.JobId).not.toBe(first.JobId);
  });
});

describe("ListJobs", () => {
  it("pages with MaxResults and NextToken, newest first, and filters by status", async () => {
    const fresh = await startServer();
    const c = fresh.client();
    const ids: string[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        fresh.clock.advance(1000);
        ids.push((await c.send(new CreateJobCommand({ ...tagJobInput(), ClientRequestToken: `p${i}` } as CreateJobCommandInput))).JobId!);
      }
      await c.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: ids[1]!, RequestedJobStatus: "Cancelled" }));

      const first = await c.send(new ListJobsCommand({ AccountId: ACCOUNT, MaxResults: 2 }));
      expect(first.Jobs!.map((j) => j.JobId)).toEqual([ids[4], ids[3]]);
      expect(first.NextToken).toBeDefined();
      const second = await c.send(new ListJobsCommand({ AccountId: ACCOUNT, MaxResults: 2, NextToken: first.NextToken }));
      expect(second.Jobs!.map((j) => j.JobId)).toEqual([ids[2], ids[1]]);
      const last = await c.send(new ListJobsCommand({ AccountId: ACCOUNT, MaxResults: 2, NextToken: second.NextToken }));
      expect(last.Jobs!.map((j) => j.JobId)).toEqual([ids[0]]);
      expect(last.NextToken).toBeUndefined();

      const all: string[] = [];
      for await (const page of paginateListJobs({ client: c, pageSize: 3 }, { AccountId: ACCOUNT })) all.push(...page.Jobs!.map((j) => j.JobId!));
      expect(all).toEqual([...ids].reverse());

      const cancelled = await c.send(new ListJobsCommand({ AccountId: ACCOUNT, JobStatuses: ["Cancelled"] }));
      expect(cancelled.Jobs!.map((j) => [j.JobId, j.Status])).toEqual([[ids[1], "Cancelled"]]);
      const both = await c.send(new ListJobsCommand({ AccountId: ACCOUNT, JobStatuses: ["Cancelled", "New"] }));
      expect(both.Jobs).toHaveLength(5);
      const empty = await c.send(new ListJobsCommand({ AccountId: ACCOUNT, JobStatuses: ["Active"] }));
      expect(empty.Jobs).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it("refuses bad filters, page sizes and tokens", async () => {
    const bad = (input: Record<string, unknown>) => failure(s3.send(new ListJobsCommand({ AccountId: ACCOUNT, ...input } as never)));
    expect(await bad({ JobStatuses: ["Running"] })).toMatchObject({ name: "InvalidRequestException", status: 400, message: expect.stringContaining("jobStatuses") });
    expect(await bad({ MaxResults: 1001 })).toMatchObject({ name: "InvalidRequestException", message: expect.stringContaining("maxResults") });
    expect(await bad({ MaxResults: -1 })).toMatchObject({ name: "InvalidRequestException" });
    expect(await bad({ NextToken: "not a token!" })).toMatchObject({ name: "InvalidNextTokenException", message: expect.stringContaining("nextToken") });
    expect(await bad({ NextToken: "00000000-0000-4000-8000-00000000ffff" })).toMatchObject({ name: "InvalidNextTokenException" });
  });
});

describe("UpdateJobPriority and UpdateJobStatus", () => {
  it("changes the priority and answers the new one", async () => {
    const id = await create();
    const res = await s3.send(new UpdateJobPriorityCommand({ AccountId: ACCOUNT, JobId: id, Priority: 2147483647 }));
    expect(res).toMatchObject({ JobId: id, Priority: 2147483647 });
    expect((await describeJob(id)).Priority).toBe(2147483647);
  });

  it.each([-5, 2147483648, 1.5])("refuses priority %s", async (priority) => {
    const id = await create();
    const err = await failure(s3.send(new UpdateJobPriorityCommand({ AccountId: ACCOUNT, JobId: id, Priority: priority })));
    expect(err).toMatchObject({ name: "BadRequestException", status: 400, message: expect.stringContaining("priority") });
  });

  it("confirms a suspended job, answering the status after the request", async () => {
    const id = await create({ ConfirmationRequired: true });
    await suspend(id);
    const res = await s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: id, RequestedJobStatus: "Ready" }));
    expect(res).toMatchObject({ JobId: id, Status: "Ready" });
    expect(res.StatusUpdateReason).toBeUndefined();
  });

  it("cancels a job that has not started at once, and a running one through Cancelling", async () => {
    const waiting = await create();
    const r1 = await s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: waiting, RequestedJobStatus: "Cancelled", StatusUpdateReason: "no longer needed & stuff" }));
    expect(r1).toMatchObject({ Status: "Cancelled", StatusUpdateReason: "no longer needed & stuff" });

    const running = await create();
    await server.jobs.advance(running, "prepare");
    await server.jobs.advance(running, "prepared");
    await server.jobs.advance(running, "start");
    const r2 = await s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: running, RequestedJobStatus: "Cancelled" }));
    expect(r2.Status).toBe("Cancelling");
  });

  it("answers JobStatusException for a change the status does not allow", async () => {
    const id = await create();
    const notSuspended = await failure(s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: id, RequestedJobStatus: "Ready" })));
    expect(notSuspended).toMatchObject({ name: "JobStatusException", status: 400 });
    expect(notSuspended.message).toMatch(/New.*Ready/);
    await s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: id, RequestedJobStatus: "Cancelled" }));
    const finished = await failure(s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: id, RequestedJobStatus: "Cancelled" })));
    expect(finished).toMatchObject({ name: "JobStatusException" });
  });

  it("refuses a status users cannot request and an over-long reason", async () => {
    const id = await create();
    const active = await failure(s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: id, RequestedJobStatus: "Active" as never })));
    expect(active).toMatchObject({ name: "BadRequestException", status: 400, message: expect.stringContaining("requestedJobStatus") });
    const long = await failure(
      s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: id, RequestedJobStatus: "Cancelled", StatusUpdateReason: "x".repeat(257) })),
    );
    expect(long).toMatchObject({ name: "BadRequestException", message: expect.stringContaining("statusUpdateReason must be at most 256") });
  });
});

describe("job tags", () => {
  it("gets, replaces and deletes the tag set, starting from CreateJob's tags", async () => {
    const id = await create({ Tags: [{ Key: "dept", Value: "finance" }] });
    const get = () => s3.send(new GetJobTaggingCommand({ AccountId: ACCOUNT, JobId: id }));
    expect((await get()).Tags).toEqual([{ Key: "dept", Value: "finance" }]);
    const put = await s3.send(new PutJobTaggingCommand({ AccountId: ACCOUNT, JobId: id, Tags: [{ Key: "a", Value: "" }, { Key: "b c", Value: "d:e/f=g+h-i@j" }] }));
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect((await get()).Tags).toEqual([{ Key: "a", Value: "" }, { Key: "b c", Value: "d:e/f=g+h-i@j" }]);
    await s3.send(new PutJobTaggingCommand({ AccountId: ACCOUNT, JobId: id, Tags: [] }));
    expect((await get()).Tags).toEqual([]);
    await s3.send(new PutJobTaggingCommand({ AccountId: ACCOUNT, JobId: id, Tags: [{ Key: "x", Value: "y" }] }));
    await s3.send(new DeleteJobTaggingCommand({ AccountId: ACCOUNT, JobId: id }));
    expect((await get()).Tags).toEqual([]);
  });

  it("refuses more than 50 tags, duplicate keys and characters outside the pattern", async () => {
    const id = await create();
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    const tooMany = await failure(s3.send(new PutJobTaggingCommand({ AccountId: ACCOUNT, JobId: id, Tags: many })));
    expect(tooMany).toMatchObject({ name: "TooManyTagsException", status: 400, message: expect.stringContaining("50") });
    const onCreate = await failure(create({ Tags: many }));
    expect(onCreate).toMatchObject({ name: "TooManyTagsException" });
    const dup = await failure(s3.send(new PutJobTaggingCommand({ AccountId: ACCOUNT, JobId: id, Tags: [{ Key: "a", Value: "1" }, { Key: "a", Value: "2" }] })));
    expect(dup).toMatchObject({ name: "BadRequestException", message: expect.stringContaining('"a"') });
    const bad = await failure(s3.send(new PutJobTaggingCommand({ AccountId: ACCOUNT, JobId: id, Tags: [{ Key: "semi;colon", Value: "v" }] })));
    expect(bad).toMatchObject({ name: "BadRequestException", message: expect.stringContaining("PutJobTaggingRequest/Tags/member[1]/Key") });
  });
});

describe("accounts and regions", () => {
  it("keeps one account's jobs invisible to every other", async () => {
    const id = await create();
    const calls = [
      () => s3.send(new DescribeJobCommand({ AccountId: OTHER_ACCOUNT, JobId: id })),
      () => s3.send(new GetJobTaggingCommand({ AccountId: OTHER_ACCOUNT, JobId: id })),
      () => s3.send(new PutJobTaggingCommand({ AccountId: OTHER_ACCOUNT, JobId: id, Tags: [] })),
      () => s3.send(new DeleteJobTaggingCommand({ AccountId: OTHER_ACCOUNT, JobId: id })),
      () => s3.send(new UpdateJobPriorityCommand({ AccountId: OTHER_ACCOUNT, JobId: id, Priority: 1 })),
      () => s3.send(new UpdateJobStatusCommand({ AccountId: OTHER_ACCOUNT, JobId: id, RequestedJobStatus: "Cancelled" })),
    ];
    for (const call of calls) expect(await failure(call())).toMatchObject({ name: "NotFoundException", status: 404 });
    const listed = await s3.send(new ListJobsCommand({ AccountId: OTHER_ACCOUNT }));
    expect(listed.Jobs!.map((j) => j.JobId)).not.toContain(id);
    expect((await describeJob(id)).Status).toBe("New");
  });

  it("keeps regions apart and names the region in the job ARN", async () => {
    const west = server.client("eu-west-1");
    const id = await create({}, west);
    expect((await describeJob(id, west)).JobArn).toBe(`arn:aws:s3:eu-west-1:${ACCOUNT}:job/${id}`);
    expect(await failure(describeJob(id))).toMatchObject({ name: "NotFoundException" });
  });

  it("refuses a request without an account id, or with a malformed one", async () => {
    // With a custom endpointProvider the JS SDK sends a request without AccountId as it is.
    const missing = await failure(s3.send(new ListJobsCommand({} as never)));
    expect(missing).toMatchObject({ name: "BadRequestException", status: 400, message: expect.stringContaining("x-amz-account-id") });
    const short = await failure(s3.send(new ListJobsCommand({ AccountId: "12345" })));
    expect(short).toMatchObject({ name: "BadRequestException", message: expect.stringContaining('"12345"') });
  });
});

describe("errors", () => {
  it("answers NotFoundException (404) for an unknown job, with the request id", async () => {
    const err = await failure(describeJob("93735294-df46-44d5-8638-6356f335324e"));
    expect(err).toMatchObject({ name: "NotFoundException", status: 404, fault: "client" });
    expect(err.message).toContain("The specified job does not exist");
    expect(err.requestId).toMatch(/^[0-9A-F]{16}$/);
  });

  it.each(["a", "abcd", "x".repeat(37), "has space", "bad*chars"])("answers BadRequestException for the job id %j", async (id) => {
    const err = await failure(describeJob(id));
    expect(err).toMatchObject({ name: "BadRequestException", status: 400, message: expect.stringContaining("JobId") });
  });

  const createErrors: [string, Record<string, unknown>, RegExp][] = [
    ["a description over 256 characters", { Description: "d".repeat(257) }, /CreateJobRequest\/Description: must be at most 256/],
    ["an empty description", { Description: "" }, /CreateJobRequest\/Description: must not be empty/],
    ["a negative priority", { Priority: -1 }, /CreateJobRequest\/Priority: must be at least 0/],
    ["a priority over the maximum", { Priority: 2147483648 }, /CreateJobRequest\/Priority: must be at most 2147483647/],
    ["a role that is no IAM role ARN", { RoleArn: "role/batch" }, /CreateJobRequest\/RoleArn: must be an IAM role ARN/],
    ["a token over 64 characters", { ClientRequestToken: "t".repeat(65) }, /ClientRequestToken: must be at most 64/],
    ["no manifest and no generator", { Manifest: undefined }, /either a Manifest or a ManifestGenerator/],
    ["a manifest that is not an S3 ARN", { Manifest: { Spec: { Format: "S3BatchOperations_CSV_20180820" }, Location: { ObjectArn: "s3://m/m.csv", ETag: "e" } } }, /Location\/ObjectArn: must be an S3 object ARN/],
    ["a manifest ARN that names a bucket only", { Manifest: { Spec: { Format: "S3BatchOperations_CSV_20180820" }, Location: { ObjectArn: "arn:aws:s3:::m", ETag: "e" } } }, /must name an object/],
    ["an unknown manifest format", { Manifest: { Spec: { Format: "JSON" }, Location: { ObjectArn: "arn:aws:s3:::m/k", ETag: "e" } } }, /Spec\/Format: must be one of S3BatchOperations_CSV_20180820/],
    ["no operation", { Operation: {} }, /Operation: must name exactly one operation/],
    ["two operations", { Operation: { S3ReplicateObject: {}, S3DeleteObjectTagging: {} } }, /must name exactly one operation/],
    ["an enabled report without a bucket", { Report: { Enabled: true, Format: "Report_CSV_20180820", ReportScope: "AllTasks" } }, /Report\/Bucket: is required when the report is enabled/],
    ["a report bucket ARN naming an object", { Report: { Enabled: true, Bucket: "arn:aws:s3:::r/k", Format: "Report_CSV_20180820", ReportScope: "AllTasks" } }, /Report\/Bucket: must name a bucket/],
    ["Lambda arguments without schema 2.0", { Operation: { LambdaInvoke: { FunctionArn: "f", UserArguments: { a: "b" } } } }, /InvocationSchemaVersion: UserArguments needs InvocationSchemaVersion 2.0/],
    ["a tag value over 256 characters", { Tags: [{ Key: "k", Value: "v".repeat(257) }] }, /Tags\/member\[1\]\/Value: must be at most 256/],
    ["a copy without a target", { Operation: { S3PutObjectCopy: {} } }, /S3PutObjectCopy\/TargetResource: is required/],
    ["a bad storage class", { Operation: { S3PutObjectCopy: { TargetResource: "arn:aws:s3:::t", StorageClass: "COLD" } } }, /StorageClass: must be one of STANDARD/],
    ["a KMS key that is no ARN", { Operation: { S3UpdateObjectEncryption: { ObjectEncryption: { SSEKMS: { KMSKeyArn: "key" } } } } }, /KMSKeyArn: must be at least 20/],
    ["a report owner that is no account", { Report: { Enabled: false, ExpectedBucketOwner: "me" } }, /ExpectedBucketOwner: must be a 12-digit account id/],
  ];

  it.each(createErrors)("answers BadRequestException for %s, naming the member", async (_what, overrides, message) => {
    const err = await failure(create(overrides));
    expect(err).toMatchObject({ name: "BadRequestException", status: 400 });
    expect(err.message).toMatch(message);
  });

  it("answers a body over the size limit with BadRequestException", async () => {
    const small = await startServer({ maxBodyBytes: 2048 });
    try {
      const err = await failure(small.client().send(new CreateJobCommand({ ...tagJobInput(), Description: "d".repeat(200), Tags: Array.from({ length: 40 }, (_, i) => ({ Key: `key-${i}`, Value: "v".repeat(40) })) } as CreateJobCommandInput)));
      expect(err).toMatchObject({ name: "BadRequestException", status: 400, message: expect.stringContaining("2048 bytes") });
      expect(small.internal).toEqual([]);
    } finally {
      await small.close();
    }
  });

});
