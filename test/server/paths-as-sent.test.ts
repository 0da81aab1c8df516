import { request as httpRequest, createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeJobCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import COS from "cos-nodejs-sdk-v5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../dialects/s3-control/index.js";
import { parseXml } from "../../dialects/xml/index.js";
import { createNodeHandler } from "../../src/server/index.js";
import { defaultDialects } from "../../src/server/default-dialects.js";
import { newService } from "../support/jobs.js";

/**
 * Issue 14 item 6: dialects see the path as the client sent it, dot segments and all, and answer
 * with their own error; what no dialect claims gets an XML error from the standalone server.
 */
let server: Server;
let port: number;
let next: string[];

beforeAll(async () => {
  const handler = createNodeHandler({ jobs: newService().service, dialects: defaultDialects() });
  next = [];
  // /mounted/... goes through the handler as middleware with next(); everything else standalone.
  server = createServer((req, res) => {
    if (req.url?.startsWith("/mounted")) {
      return handler(req, res, () => {
        next.push(req.url!);
        res.writeHead(299).end();
      });
    }
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Sends the request target byte for byte (no client-side path resolution). */
function raw(method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, type: res.headers["content-type"], body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const codeOf = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

describe("paths as the client sent them", () => {
  it("COS answers GET /jobs/../../etc/passwd with its own InvalidRequest, naming the path as sent", async () => {
    const res = await raw("GET", "/jobs/../../etc/passwd", { "x-cos-appid": "1250000000" });
    expect(res.status).toBe(400);
    expect(codeOf(res.body)).toBe("InvalidRequest");
    expect(res.body).toContain("No batch API answers GET /jobs/../../etc/passwd");
    expect(res.body).toContain("<Resource>127.0.0.1:");
  });

  it("COS through cos-nodejs-sdk-v5: a job id of .. is the dialect's answer, not a 404 from nowhere", async () => {
    const cos = new COS({ SecretId: "AKIDexampleexampleexample", SecretKey: "exampleSecretKeyexampleSecretKey", Ip: `127.0.0.1:${port}` });
    const err = await cos
      .request({ Method: "GET", Url: "http://100000000001.cos-control.ap-chengdu.myqcloud.com/jobs/..", Headers: { "x-cos-appid": "1250000000" } })
      .then(() => undefined, (e: { statusCode: number; code: string; message: string }) => e);
    expect(err).toMatchObject({ statusCode: 404, code: "NoSuchJob", message: expect.stringContaining("does not exist: ..") });
  });

  it("S3 Control through the AWS SDK: DescribeJob of the job id .. is refused as an invalid JobId", async () => {
    const s3 = new S3ControlClient({ ...localEndpointConfig(`http://127.0.0.1:${port}`), maxAttempts: 1 });
    const err = await s3.send(new DescribeJobCommand({ AccountId: "123456789012", JobId: ".." })).then(
      () => undefined,
      (e: Error & { $metadata: { httpStatusCode?: number } }) => e,
    );
    s3.destroy();
    expect(err?.name).toBe("BadRequestException");
    expect(err?.$metadata.httpStatusCode).toBe(400);
    expect(err?.message).toBe('JobId must be at least 5 characters long (got "..")');
  });

  it("S3 Control keeps a path that climbs out of /v20180820 its own", async () => {
    const res = await raw("GET", "/v20180820/jobs/../../etc/passwd", { "x-amz-account-id": "123456789012" });
    expect(res.status).toBe(400);
    expect(codeOf(res.body)).toBe("BadRequestException");
    expect(res.body).toContain("GET /v20180820/jobs/../../etc/passwd");
  });

  it("answers what no dialect claims with an XML error, and still falls through to next() when mounted", async () => {
    const res = await raw("GET", "/elsewhere/../x?y=1");
    expect(res.status).toBe(404);
    expect(res.type).toBe("application/xml");
    const doc = parseXml(res.body);
    expect(doc.name).toBe("Error");
    expect(Object.fromEntries(doc.children.map((c) => [c.name, c.text]))).toEqual({
      Code: "NotFound",
      Message: "batchplane: no API answers GET /elsewhere/../x",
      Resource: "/elsewhere/../x",
    });
    expect((await raw("GET", "/mounted/../x")).status).toBe(299);
    expect(next).toEqual(["/mounted/../x"]);
  });
});
