import { Socket, Server } from "node:net";
import { PassThrough, Readable } from "node:stream";
import { GetObjectCommand, GetObjectTaggingCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  CreateJobCommand,
  DescribeJobCommand,
  ListJobsCommand,
  S3ControlClient,
  UpdateJobStatusCommand,
} from "@aws-sdk/client-s3-control";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSdkHandler, createTestBed, seedObjects, type SdkHandlerCallOptions, type SdkHttpRequest } from "../../src/testing/index.js";

const AccountId = "123456789012";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

/** A fetch handler that records what reached it and answers with `answer`. */
function recording(answer: (request: Request) => Response | Promise<Response> = () => new Response("ok")) {
  const seen: { request: Request; body: string }[] = [];
  const handler = async (request: Request) => {
    const body = request.body ? await request.text() : "";
    seen.push({ request, body });
    return answer(request);
  };
  return { seen, handler };
}

function sdkRequest(over: Partial<SdkHttpRequest> = {}): SdkHttpRequest {
  return { method: "GET", protocol: "https:", hostname: "example.com", path: "/", headers: {}, ...over };
}

async function text(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(Buffer.from(part));
  return Buffer.concat(parts).toString();
}

afterEach(() => vi.restoreAllMocks());

describe("createSdkHandler: the AWS SDK v3 in the same process, no socket", () => {
  it("runs an S3 Control job end to end over the test bed's stores, with no port opened or dialled", async () => {
    const listen = vi.spyOn(Server.prototype, "listen");
    const connect = vi.spyOn(Socket.prototype, "connect");
    const bed = createTestBed();
    await seedObjects(bed.objects, "photos", ["2024/cat.jpg", "2024/dog.jpg"]);
    await bed.objects.createBucket("manifests");
    await bed.objects.createBucket("reports");
    const manifest = await bed.objects.put({ bucket: "manifests", key: "photos.csv", body: "photos,2024/cat.jpg\nphotos,2024/dog.jpg\n" });

    // No endpoint: the SDK addresses 123456789012.s3-control.us-east-1.amazonaws.com, answered here.
    const s3control = new S3ControlClient({ region: "us-east-1", credentials, requestHandler: bed.sdkHandler() });
    const { JobId } = await s3control.send(
      new CreateJobCommand({
        AccountId,
        ClientRequestToken: "tag-photos",
        Priority: 10,
        ConfirmationRequired: true,
        RoleArn: `arn:aws:iam::${AccountId}:role/batch`,
        Operation: { S3PutObjectTagging: { TagSet: [{ Key: "reviewed", Value: "yes" }] } },
        Manifest: {
          Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
          Location: { ObjectArn: "arn:aws:s3:::manifests/photos.csv", ETag: manifest.etag },
        },
        Report: { Enabled: true, Bucket: "arn:aws:s3:::reports", Prefix: "batch", Format: "Report_CSV_20180820", ReportScope: "AllTasks" },
      }),
    );
    await bed.runUntilIdle();
    expect((await s3control.send(new DescribeJobCommand({ AccountId, JobId }))).Job?.Status).toBe("Suspended");
    await s3control.send(new UpdateJobStatusCommand({ AccountId, JobId, RequestedJobStatus: "Ready" }));
    await bed.runUntilIdle();

    const { Job } = await s3control.send(new DescribeJobCommand({ AccountId, JobId }));
    expect(Job?.Status).toBe("Complete");
    expect(Job?.ProgressSummary).toMatchObject({ TotalNumberOfTasks: 2, NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 0 });
    expect(await bed.objects.getTagging({ bucket: "photos", key: "2024/dog.jpg" })).toEqual([{ key: "reviewed", value: "yes" }]);
    const report = await bed.readReport((await bed.jobs.get(JobId!))!);
    expect(report?.rows.map((r) => [r.bucket, r.key, r.status])).toEqual([
      ["photos", "2024/cat.jpg", "succeeded"],
      ["photos", "2024/dog.jpg", "succeeded"],
    ]);
    const { Jobs } = await s3control.send(new ListJobsCommand({ AccountId }));
    expect(Jobs?.map((j) => j.JobId)).toEqual([JobId]);
    expect(listen).not.toHaveBeenCalled();
    expect(connect).not.toHaveBeenCalled();
  });

  it("handles the account label the S3 Control client puts in front of the host", async () => {
    const bed = createTestBed();
    const served = bed.sdkHandler();
    const hosts: string[] = [];
    // With a custom endpoint the SDK addresses 123456789012.localhost:9 (nothing listens on port 9).
    const s3control = new S3ControlClient({
      region: "us-east-1",
      credentials,
      endpoint: "http://localhost:9",
      maxAttempts: 1,
      requestHandler: { ...served, handle: (request: SdkHttpRequest, options?: SdkHandlerCallOptions) => (hosts.push(request.hostname), served.handle(request, options)) },
    });
    expect((await s3control.send(new ListJobsCommand({ AccountId }))).Jobs).toEqual([]);
    expect(hosts).toEqual([`${AccountId}.localhost`]);

    // In front of an IP address it makes no URL a Request accepts: the label moves to x-amz-account-id.
    const { seen, handler } = recording();
    const sdk = createSdkHandler(handler);
    await sdk.handle(sdkRequest({ protocol: "http:", hostname: "210987654321.127.0.0.1", port: 9090, path: "/v20180820/jobs", headers: { host: "210987654321.127.0.0.1:9090" } }));
    expect(seen[0]!.request.url).toBe("http://127.0.0.1:9090/v20180820/jobs");
    expect(seen[0]!.request.headers.get("x-amz-account-id")).toBe("210987654321");
    // The host header stays what the client signed.
    expect(seen[0]!.request.headers.get("host")).toBe("210987654321.127.0.0.1:9090");
    // A header already there is kept; a host that is a URL is passed as it is.
    await sdk.handle(sdkRequest({ hostname: "210987654321.10.0.0.1", headers: { "x-amz-account-id": "111111111111" } }));
    expect(seen[1]!.request.headers.get("x-amz-account-id")).toBe("111111111111");
    await sdk.handle(sdkRequest({ hostname: "123456789012.s3-control.us-east-1.amazonaws.com" }));
    expect(new URL(seen[2]!.request.url).hostname).toBe("123456789012.s3-control.us-east-1.amazonaws.com");
    expect(seen[2]!.request.headers.has("x-amz-account-id")).toBe(false);
    await expect(sdk.handle(sdkRequest({ hostname: "not a host" }))).rejects.toThrow(/cannot address https:\/\/not a host/);
    // The query as @smithy's buildQueryString writes it: sorted, RFC 3986, a null value a bare key.
    await sdk.handle(sdkRequest({ query: { batchJob: null, a: ["1", "2"], "b c": "d'e" } }));
    expect(new URL(seen[3]!.request.url).search).toBe("?a=1&a=2&b%20c=d%27e&batchJob");
  });

  it("addresses S3 object requests as the S3 client sends them: virtual host, bare query keys, bodies both ways", async () => {
    const { seen, handler } = recording((request) =>
      request.method === "GET" && new URL(request.url).searchParams.has("tagging")
        ? new Response('<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>', { headers: { "content-type": "application/xml" } })
        : request.method === "GET"
          ? new Response("the object's bytes", { headers: { "content-length": "18", etag: '"e"' } })
          : new Response(null, { headers: { etag: '"e"' } }),
    );
    const s3 = new S3Client({ region: "us-east-1", credentials, requestHandler: createSdkHandler(handler), requestChecksumCalculation: "WHEN_REQUIRED" });
    await s3.send(new PutObjectCommand({ Bucket: "photos", Key: "2024/cat 1.jpg", Body: "meow" }));
    expect(seen[0]!.request.method).toBe("PUT");
    const put = new URL(seen[0]!.request.url);
    expect(put.origin + put.pathname).toBe("https://photos.s3.us-east-1.amazonaws.com/2024/cat%201.jpg");
    expect(seen[0]!.body).toBe("meow");

    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: "photos", Key: "a" }));
    expect(new URL(seen[1]!.request.url).search).toMatch(/^\?tagging=(&|$)/);
    expect(tags.TagSet).toEqual([{ Key: "k", Value: "v" }]);

    const got = await s3.send(new GetObjectCommand({ Bucket: "photos", Key: "a" }));
    // On Node the SDK hands out a Readable, as over a socket.
    expect(got.Body).toBeInstanceOf(Readable);
    expect(await got.Body!.transformToString()).toBe("the object's bytes");
  });

  it("gives the dialects the path as the client sent it, dot segments kept (a Request's URL resolves them away)", async () => {
    const sdk = createTestBed().sdkHandler();
    const { response } = await sdk.handle(sdkRequest({ path: "/jobs/../../etc/passwd", headers: { "x-cos-appid": "1250000000" } }));
    const body = await text(response.body);
    expect(response.statusCode).toBe(400);
    expect(body).toContain("<Code>InvalidRequest</Code>");
    expect(body).toContain("No batch API answers GET /jobs/../../etc/passwd");
  });

  it("streams a request body to the handler while the caller is still writing it", async () => {
    const source = new PassThrough();
    let firstChunk: (chunk: string) => void = () => undefined;
    const sawFirst = new Promise<string>((resolve) => (firstChunk = resolve));
    const sdk = createSdkHandler(async (request) => {
      const reader = request.body!.getReader();
      const parts: string[] = [];
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(Buffer.from(value).toString());
        if (parts.length === 1) firstChunk(parts[0]!);
      }
      return new Response(parts.join("|"));
    });
    source.write("one");
    const answered = sdk.handle(sdkRequest({ method: "PUT", body: source }));
    expect(await sawFirst).toBe("one"); // the source is still open
    source.end("two");
    expect(await text((await answered).response.body)).toBe("one|two");
  });

  it("hands out the response while its body is still being produced", async () => {
    let push: (text: string | null) => void = () => undefined;
    const sdk = createSdkHandler(async () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          push = (text) => (text === null ? controller.close() : controller.enqueue(new TextEncoder().encode(text)));
        },
      });
      push("first,");
      return new Response(body, { status: 206, statusText: "Partial Content", headers: { "x-amz-request-id": "r1" } });
    });
    const { response } = await sdk.handle(sdkRequest());
    expect(response).toMatchObject({ statusCode: 206, reason: "Partial Content", headers: { "x-amz-request-id": "r1" } });
    const read = text(response.body);
    push("second");
    push(null);
    expect(await read).toBe("first,second");
  });

  it("honours abort signals: before the call, while the handler works, and while the body is read", async () => {
    const bed = createTestBed();
    const s3control = new S3ControlClient({ region: "us-east-1", credentials, requestHandler: bed.sdkHandler(), maxAttempts: 1 });
    const early = new AbortController();
    early.abort();
    await expect(s3control.send(new ListJobsCommand({ AccountId }), { abortSignal: early.signal })).rejects.toMatchObject({ name: "AbortError" });

    // In flight: the handler's request is aborted and the caller's body stream destroyed.
    let reached: (request: Request) => void = () => undefined;
    const inHandler = new Promise<Request>((resolve) => (reached = resolve));
    const held = createSdkHandler((request) => {
      reached(request);
      return new Promise<Response>(() => undefined);
    });
    const body = new PassThrough();
    const midway = new AbortController();
    const call = held.handle(sdkRequest({ method: "PUT", body }), { abortSignal: midway.signal });
    const request = await inHandler;
    midway.abort();
    await expect(call).rejects.toMatchObject({ name: "AbortError", message: "Request aborted" });
    expect(request.signal.aborted).toBe(true);
    expect(body.destroyed).toBe(true);

    // The SDK's older signal shape: `aborted` and an `onabort` slot, called by its owner.
    const legacy: { aborted: boolean; onabort: unknown } = { aborted: false, onabort: null };
    const legacyCall = held.handle(sdkRequest(), { abortSignal: legacy });
    await inHandler;
    legacy.aborted = true;
    (legacy.onabort as () => void)();
    await expect(legacyCall).rejects.toMatchObject({ name: "AbortError" });

    // Through the SDK, in flight.
    const sdkCall = new AbortController();
    const client = new S3ControlClient({ region: "us-east-1", credentials, requestHandler: createSdkHandler((r) => (reached(r), new Promise<Response>(() => undefined))), maxAttempts: 1 });
    const listing = client.send(new ListJobsCommand({ AccountId }), { abortSignal: sdkCall.signal });
    setImmediate(() => sdkCall.abort());
    await expect(listing).rejects.toMatchObject({ name: "AbortError" });

    // After the response: the body still being read ends with the abort.
    const late = new AbortController();
    const open = createSdkHandler(async () => new Response(new ReadableStream({ start: (c) => c.enqueue(new Uint8Array([1])) })));
    const { response } = await open.handle(sdkRequest(), { abortSignal: late.signal });
    late.abort();
    await expect(text(response.body)).rejects.toMatchObject({ name: "AbortError" });
  });

  it("gives up after requestTimeout with a TimeoutError; settings are the handler's own", async () => {
    const sdk = createSdkHandler(() => new Promise<Response>(() => undefined), { requestTimeout: 5 });
    await expect(sdk.handle(sdkRequest())).rejects.toMatchObject({ name: "TimeoutError", message: "Request did not complete within 5 ms" });
    sdk.updateHttpClientConfig("requestTimeout", 7);
    expect(sdk.httpHandlerConfigs()).toEqual({ requestTimeout: 7 });
    expect(sdk.metadata.handlerProtocol).toBe("http/1.1");
  });
});
