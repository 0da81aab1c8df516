import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import COS from "cos-nodejs-sdk-v5";
import { afterEach, describe, expect, it } from "vitest";

/**
 * What the installed cos-nodejs-sdk-v5 (3.0.0; the spec probed 2.15.4) does, checked against a
 * bare server before the dialect relies on it: how request() signs and sends, how it parses XML,
 * when it retries.
 */
describe("cos-nodejs-sdk-v5 as installed", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function bare(answer: (hit: number) => { status: number; headers?: Record<string, string>; body: string }) {
    const hits: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        hits.push({ method: req.method, url: req.url, headers: req.headers, body });
        const a = answer(hits.length);
        res.writeHead(a.status, { "content-type": "application/xml", ...a.headers });
        res.end(a.body);
      });
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    return { hits, port };
  }

  const client = (port: number) => new COS({ SecretId: "AKIDprobe", SecretKey: "probe", Ip: `127.0.0.1:${port}` });

  it("signs content-length, host and x-cos-appid (2.15.4 left content-length unsigned), sends the query as given and Content-Length 0 on a bodiless POST", async () => {
    const { hits, port } = await bare(() => ({ status: 200, headers: { "x-cos-request-id": "r1" }, body: "<UpdateJobStatusResult><JobId>j</JobId></UpdateJobStatusResult>" }));
    const data = await client(port).request({
      Method: "POST",
      Url: "http://100000000001.cos-control.ap-chengdu.myqcloud.com/jobs/j/status",
      Query: { requestedJobStatus: "Cancelled", statusUpdateReason: "no longer needed" },
      Headers: { "x-cos-appid": "1250000000" },
    });
    const hit = hits[0]!;
    expect(hit.url).toBe("/jobs/j/status?requestedJobStatus=Cancelled&statusUpdateReason=no%20longer%20needed");
    expect(hit.headers.host).toBe("100000000001.cos-control.ap-chengdu.myqcloud.com");
    expect(hit.headers["content-length"]).toBe("0");
    expect(hit.headers["user-agent"]).toBe("cos-nodejs-sdk-v5-3.0.0");
    expect(hit.headers.authorization).toMatch(/^q-sign-algorithm=sha1&q-ak=AKIDprobe&q-sign-time=\d+;\d+&q-key-time=\d+;\d+&q-header-list=content-length;host;x-cos-appid&q-url-param-list=requestedjobstatus;statusupdatereason&q-signature=[0-9a-f]{40}$/);
    expect(data.RequestId).toBe("r1");
    expect(data.UpdateJobStatusResult).toEqual({ JobId: "j" });
  });

  it("parses every value as a string and one <member> as an object, several as an array", async () => {
    const one = "<ListJobsResult><Jobs><member><JobId>a</JobId><Priority>10</Priority></member></Jobs><NextToken></NextToken></ListJobsResult>";
    const two = "<ListJobsResult><Jobs><member><JobId>a</JobId></member><member><JobId>b</JobId></member></Jobs><NextToken/></ListJobsResult>";
    const { port } = await bare((n) => ({ status: 200, headers: { "x-cos-request-id": "r" }, body: n === 1 ? one : two }));
    const cos = client(port);
    const get = () => cos.request({ Method: "GET", Url: "http://h.example/jobs", Headers: { "x-cos-appid": "1" } });
    expect((await get()).ListJobsResult).toEqual({ Jobs: { member: { JobId: "a", Priority: "10" } }, NextToken: "" });
    expect((await get()).ListJobsResult).toEqual({ Jobs: { member: [{ JobId: "a" }, { JobId: "b" }] }, NextToken: "" });
  });

  it("retries a 5xx three times (with x-cos-sdk-retry) and a 4xx never, with or without x-cos-request-id", async () => {
    const error = (code: string) => `<Error><Code>${code}</Code><Message>m</Message></Error>`;
    const five = await bare(() => ({ status: 503, body: error("ServiceUnavailable") }));
    const err5 = await client(five.port).request({ Method: "GET", Url: "http://h.example/jobs", Headers: { "x-cos-appid": "1" } }).catch((e) => e);
    expect([err5.statusCode, err5.code, five.hits.length]).toEqual([503, "ServiceUnavailable", 4]);
    expect(five.hits.slice(1).every((h) => h.headers["x-cos-sdk-retry"] === "true")).toBe(true);
    await new Promise<void>((r) => server!.close(() => r()));

    // 2.15.4 retried a 4xx that lacked x-cos-request-id; 3.0.0 does so only for 3xx/5xx on
    // *.cos.<region>.myqcloud.com hosts (to switch to the backup domain), which a
    // cos-control host is not. The dialect sends the header on every response either way.
    const four = await bare(() => ({ status: 400, body: error("InvalidArgument") }));
    const err4 = await client(four.port)
      .request({ Method: "GET", Url: "http://100000000001.cos-control.ap-chengdu.myqcloud.com/jobs", Headers: { "x-cos-appid": "1" } })
      .catch((e) => e);
    expect([err4.statusCode, err4.code, err4.message, four.hits.length]).toEqual([400, "InvalidArgument", "m", 1]);
    expect(err4.error).toEqual({ Code: "InvalidArgument", Message: "m" });
  });
});
