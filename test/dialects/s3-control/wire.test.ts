import { createServer } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { s3ControlDialect } from "../../../dialects/s3-control/index.js";
import { parseXml, XmlNode } from "../../../dialects/xml/index.js";
import { createNodeHandler } from "../../../src/server/index.js";
import { ACCOUNT, fetchHandler, newJobs } from "./support.js";

/**
 * The wire itself, through the fetch handler: what botocore sends (no Content-Type, no XML
 * declaration, `<x />`, microseconds, its own element order), the spec's examples verbatim, the
 * error envelope, and every kind of bad input.
 */

const BASE = "http://127.0.0.1:9090";
const NS = 'xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"';

type Init = { method?: string; body?: string | Uint8Array; headers?: Record<string, string> };

function client(options: { maxBodyBytes?: number } = {}) {
  const h = fetchHandler(options);
  const send = async (path: string, init: Init = {}, base = BASE) => {
    const res = await h.handler(
      new Request(`${base}${path}`, {
        method: init.method ?? "GET",
        body: init.body,
        headers: { "x-amz-account-id": ACCOUNT, ...init.headers },
      }),
    );
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, xml: text ? new XmlNode(parseXml(text)) : undefined };
  };
  return { ...h, send };
}

/** Raw bytes as botocore 1.43 sends them (spec §1.4), with kwargs in an order of the caller's. */
const BOTOCORE_CREATE = [
  `<CreateJobRequest ${NS}>`,
  "<Priority>10</Priority>",
  "<RoleArn>arn:aws:iam::123456789012:role/batch</RoleArn>",
  "<Operation><S3PutObjectRetention><Retention><RetainUntilDate>2030-01-01T00:00:00.123456Z</RetainUntilDate><Mode>GOVERNANCE</Mode></Retention></S3PutObjectRetention></Operation>",
  "<Manifest><Location><ETag>etag-1</ETag><ObjectArn>arn:aws:s3:::manifests/list.csv</ObjectArn></Location><Spec><Fields><member>Bucket</member><member>Key</member></Fields><Format>S3BatchOperations_CSV_20180820</Format></Spec></Manifest>",
  "<Report><Enabled>false</Enabled></Report>",
  "<Tags><member><Value /><Key>empty</Key></member></Tags>",
  "<ClientRequestToken>0f15692a-8e4a-4c6d-a45c-ab495db57e90</ClientRequestToken>",
  "</CreateJobRequest>",
].join("");

const SPEC_CREATE = `<?xml version="1.0" encoding="UTF-8"?>
<CreateJobRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">
  <ConfirmationRequired>false</ConfirmationRequired>
  <Operation><S3PutObjectTagging><TagSet><member><Key>confidential</Key><Value>true</Value></member></TagSet></S3PutObjectTagging></Operation>
  <Report><Bucket>arn:aws:s3:::reports</Bucket><Format>Report_CSV_20180820</Format><Enabled>true</Enabled>
    <Prefix>batch-op</Prefix><ReportScope>AllTasks</ReportScope></Report>
  <ClientRequestToken>0f15692a-8e4a-4c6d-a45c-ab495db57e90</ClientRequestToken>
  <Manifest><Spec><Format>S3BatchOperations_CSV_20180820</Format><Fields><member>Bucket</member><member>Key</member></Fields></Spec>
    <Location><ObjectArn>arn:aws:s3:::manifests/m.csv</ObjectArn><ETag>69f52a4e9f797e987155d9c8f5880897</ETag></Location></Manifest>
  <Priority>42</Priority>
  <RoleArn>arn:aws:iam::123456789012:role/S3BatchJobRole</RoleArn>
  <Tags><member><Key>dept</Key><Value>finance</Value></member></Tags>
</CreateJobRequest>`;

describe("what the SDKs send", () => {
  it("accepts botocore's bytes: no Content-Type, no declaration, <x />, microseconds, any order", async () => {
    const c = client();
    const created = await c.send("/v20180820/jobs", { method: "POST", body: BOTOCORE_CREATE });
    expect(created.status).toBe(200);
    const id = created.xml!.requireString("JobId");
    expect(created.text).toBe(`<?xml version="1.0" encoding="UTF-8"?><CreateJobResult ${NS}><JobId>${id}</JobId></CreateJobResult>`);

    const described = await c.send(`/v20180820/jobs/${id}`);
    const job = described.xml!.require("Job");
    expect(job.string("ConfirmationRequired")).toBe("true");
    expect(job.require("Operation").require("S3PutObjectRetention").require("Retention").string("RetainUntilDate")).toBe("2030-01-01T00:00:00.123Z");
    expect(job.require("Manifest").require("Spec").require("Fields").items().map((m) => [m.name, m.text])).toEqual([
      ["member", "Bucket"],
      ["member", "Key"],
    ]);
    expect(described.text).toContain("<Report><Enabled>false</Enabled></Report>");
    expect(described.text).toContain("<FailureReasons/>");

    const tags = await c.send(`/v20180820/jobs/${id}/tagging`);
    expect(tags.text).toContain("<Tags><member><Key>empty</Key><Value/></member></Tags>");
  });

  it("accepts the spec's CreateJob example verbatim and echoes it in DescribeJob", async () => {
    const c = client();
    const created = await c.send("/v20180820/jobs", { method: "POST", body: SPEC_CREATE, headers: { "content-type": "application/xml" } });
    expect(created.status).toBe(200);
    const id = created.xml!.requireString("JobId");
    const described = await c.send(`/v20180820/jobs/${id}`);
    expect(described.text).toContain(
      '<Manifest><Spec><Format>S3BatchOperations_CSV_20180820</Format><Fields><member>Bucket</member><member>Key</member></Fields></Spec><Location><ObjectArn>arn:aws:s3:::manifests/m.csv</ObjectArn><ETag>69f52a4e9f797e987155d9c8f5880897</ETag></Location></Manifest>',
    );
    expect(described.text).toContain(
      "<Report><Bucket>arn:aws:s3:::reports</Bucket><Format>Report_CSV_20180820</Format><Enabled>true</Enabled><Prefix>batch-op</Prefix><ReportScope>AllTasks</ReportScope></Report>",
    );
    expect(described.text).toMatch(/<CreationTime>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z<\/CreationTime>/);
    expect(described.text).not.toContain("ClientRequestToken");
    expect(described.text).not.toContain("<Tags>");
  });

  it("accepts jobStatuses repeated or comma-joined, and maxResults=0 as the default page", async () => {
    const c = client();
    await c.send("/v20180820/jobs", { method: "POST", body: SPEC_CREATE });
    for (const query of ["jobStatuses=New&jobStatuses=Active", "jobStatuses=Active,New", "maxResults=0"]) {
      const res = await c.send(`/v20180820/jobs?${query}`);
      expect(res.status).toBe(200);
      expect(res.xml!.require("Jobs").items()).toHaveLength(1);
    }
  });
});

describe("envelope and ids", () => {
  it("sends x-amz-request-id and x-amz-id-2 on every response, and the ErrorResponse envelope", async () => {
    const c = client();
    const ok = await c.send("/v20180820/jobs");
    expect(ok.headers.get("x-amz-request-id")).toMatch(/^[0-9A-F]{16}$/);
    expect(ok.headers.get("x-amz-id-2")).toBeTruthy();
    expect(ok.headers.get("content-type")).toBe("application/xml");

    const missing = await c.send("/v20180820/jobs/93735294-df46-44d5-8638-6356f335324e");
    expect(missing.status).toBe(404);
    expect(missing.text).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><ErrorResponse><Error><Code>NotFoundException</Code><Message>The specified job does not exist: 93735294-df46-44d5-8638-6356f335324e</Message></Error><RequestId>${missing.headers.get("x-amz-request-id")}</RequestId><HostId>${missing.headers.get("x-amz-id-2")}</HostId></ErrorResponse>`,
    );
    expect(missing.headers.get("x-amz-request-id")).not.toBe(ok.headers.get("x-amz-request-id"));

    const empty = await c.send("/v20180820/jobs/93735294-df46-44d5-8638-6356f335324e/tagging", { method: "DELETE" });
    expect(empty.headers.get("x-amz-request-id")).toBeTruthy();
  });

  it("answers an empty 200 for PutJobTagging and DeleteJobTagging", async () => {
    const c = client();
    const id = (await c.send("/v20180820/jobs", { method: "POST", body: SPEC_CREATE })).xml!.requireString("JobId");
    const put = await c.send(`/v20180820/jobs/${id}/tagging`, { method: "PUT", body: `<PutJobTaggingRequest ${NS}><Tags /></PutJobTaggingRequest>` });
    expect([put.status, put.text]).toEqual([200, ""]);
    const del = await c.send(`/v20180820/jobs/${id}/tagging`, { method: "DELETE" });
    expect([del.status, del.text]).toEqual([200, ""]);
  });

  it("uses a real random request id by default", async () => {
    const { jobs } = newJobs();
    const dialect = s3ControlDialect();
    const a = await dialect.handle({ method: "GET", url: new URL(`${BASE}/v20180820/jobs`), headers: new Headers({ "x-amz-account-id": ACCOUNT }), body: new Uint8Array() }, { jobs });
    const b = await dialect.handle({ method: "GET", url: new URL(`${BASE}/v20180820/jobs`), headers: new Headers({ "x-amz-account-id": ACCOUNT }), body: new Uint8Array() }, { jobs });
    expect(a.headers["x-amz-request-id"]).toMatch(/^[0-9A-F]{16}$/);
    expect(a.headers["x-amz-request-id"]).not.toBe(b.headers["x-amz-request-id"]);
  });
});

describe("account and region", () => {
  it("takes the account from a 12-digit host prefix when the header is absent", async () => {
    const c = client();
    const created = await c.send("/v20180820/jobs", { method: "POST", body: SPEC_CREATE, headers: { "x-amz-account-id": "" } }, `http://${ACCOUNT}.localhost:9090`);
    // An empty header is a malformed one, not an absent one.
    expect(created.status).toBe(400);
    const res = await c.handler(new Request(`http://${ACCOUNT}.localhost:9090/v20180820/jobs`, { method: "POST", body: SPEC_CREATE }));
    expect(res.status).toBe(200);
    const id = new XmlNode(parseXml(await res.text())).requireString("JobId");
    expect((await c.send(`/v20180820/jobs/${id}`)).status).toBe(200);
  });

  it("prefers the header to the host, and refuses a host that is no account", async () => {
    const c = client();
    const res = await c.send("/v20180820/jobs", { method: "POST", body: SPEC_CREATE, headers: { "x-amz-account-id": "111122223333" } }, `http://${ACCOUNT}.localhost:9090`);
    const id = res.xml!.requireString("JobId");
    expect((await c.send(`/v20180820/jobs/${id}`, { headers: { "x-amz-account-id": "111122223333" } })).status).toBe(200);
    expect((await c.send(`/v20180820/jobs/${id}`)).status).toBe(404);
    const noAccount = await c.handler(new Request("http://12345.localhost/v20180820/jobs"));
    expect(noAccount.status).toBe(400);
    expect(await noAccount.text()).toContain("The account id is missing");
  });

  it("keys jobs by the region of the SigV4 credential scope", async () => {
    const c = client();
    const auth = (region: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=AKID/20240101/${region}/s3/aws4_request, SignedHeaders=host, Signature=00` });
    const id = (await c.send("/v20180820/jobs", { method: "POST", body: SPEC_CREATE, headers: auth("ap-south-1") })).xml!.requireString("JobId");
    const there = await c.send(`/v20180820/jobs/${id}`, { headers: auth("ap-south-1") });
    expect(there.xml!.require("Job").string("JobArn")).toBe(`arn:aws:s3:ap-south-1:${ACCOUNT}:job/${id}`);
    expect((await c.send(`/v20180820/jobs/${id}`)).status).toBe(404);
  });

  it("serves absolute-form targets with an account-prefixed host through node:http", async () => {
    const { jobs } = newJobs();
    const server = createServer(createNodeHandler({ jobs, dialects: [s3ControlDialect()] }));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, "127.0.0.1", () => {
          socket.write(`GET http://${ACCOUNT}.localhost:${port}/v20180820/jobs?maxResults=5 HTTP/1.1\r\nHost: ${ACCOUNT}.localhost:${port}\r\nConnection: close\r\n\r\n`);
        });
        let data = "";
        socket.on("data", (chunk) => (data += chunk));
        socket.on("end", () => resolve(data));
        socket.on("error", reject);
      });
      expect(raw).toMatch(/^HTTP\/1.1 200 OK/);
      expect(raw).toMatch(/x-amz-request-id: [0-9A-F]{16}/);
      expect(raw).toContain(`<ListJobsResult ${NS}><Jobs/></ListJobsResult>`);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe("bad input: the dialect's 4xx error and a message naming the problem", () => {
  const create = (body: string) => ({ method: "POST", body });
  const wrap = (inner: string) => SPEC_CREATE.replace("<Priority>42</Priority>", inner);
  const cases: [string, string, Init, string, number, RegExp][] = [
    ["malformed XML", "/v20180820/jobs", create("<CreateJobRequest><Priority>1</CreateJobRequest>"), "BadRequestException", 400, /not well-formed/],
    ["a DOCTYPE with an entity (never expanded)", "/v20180820/jobs", create('<!DOCTYPE r [<!ENTITY x "EXPANDED">]><CreateJobRequest><Description>&x;</Description></CreateJobRequest>'), "BadRequestException", 400, /DOCTYPE/],
    ["an external entity", "/v20180820/jobs", create('<!DOCTYPE r SYSTEM "file:///etc/passwd"><CreateJobRequest/>'), "BadRequestException", 400, /DOCTYPE/],
    ["deep nesting", "/v20180820/jobs", create(`<CreateJobRequest>${"<a>".repeat(200)}${"</a>".repeat(200)}</CreateJobRequest>`), "BadRequestException", 400, /nested deeper than 24/],
    ["an empty body", "/v20180820/jobs", create(""), "BadRequestException", 400, /request body is empty/],
    ["binary garbage", "/v20180820/jobs", { method: "POST", body: new Uint8Array([0xff, 0xfe, 0x00, 0x01]) }, "BadRequestException", 400, /not well-formed/],
    ["the wrong root", "/v20180820/jobs", create(`<PutJobTaggingRequest ${NS}/>`), "BadRequestException", 400, /root element must be <CreateJobRequest>/],
    ["text for a number", "/v20180820/jobs", create(wrap("<Priority>high</Priority>")), "BadRequestException", 400, /CreateJobRequest\/Priority: must be an integer, got "high"/],
    ["a fraction for a number", "/v20180820/jobs", create(wrap("<Priority>1.5</Priority>")), "BadRequestException", 400, /Priority: must be an integer/],
    ["an element for a number", "/v20180820/jobs", create(wrap("<Priority><n>1</n></Priority>")), "BadRequestException", 400, /Priority: must hold text, not the element <n>/],
    ["text for a structure", "/v20180820/jobs", create(SPEC_CREATE.replace(/<Operation>.*<\/Operation>/, "<Operation>tag</Operation>")), "BadRequestException", 400, /Operation: must hold elements, not text/],
    ["a bad boolean", "/v20180820/jobs", create(SPEC_CREATE.replace("<ConfirmationRequired>false", "<ConfirmationRequired>no")), "BadRequestException", 400, /ConfirmationRequired: must be true or false, got "no"/],
    ["a bad timestamp", "/v20180820/jobs", create(SPEC_CREATE.replace(/<Operation>.*<\/Operation>/, "<Operation><S3PutObjectRetention><Retention><RetainUntilDate>tomorrow</RetainUntilDate></Retention></S3PutObjectRetention></Operation>")), "BadRequestException", 400, /RetainUntilDate: must be an ISO-8601 timestamp/],
    ["an epoch timestamp", "/v20180820/jobs", create(SPEC_CREATE.replace(/<Operation>.*<\/Operation>/, "<Operation><S3PutObjectRetention><Retention><RetainUntilDate>1700000000</RetainUntilDate></Retention></S3PutObjectRetention></Operation>")), "BadRequestException", 400, /must be an ISO-8601 timestamp/],
    ["an unknown member", "/v20180820/jobs", create(wrap("<Priorty>1</Priorty><Priority>1</Priority>")), "BadRequestException", 400, /CreateJobRequest\/Priorty: is not a member of CreateJobRequest/],
    ["an unknown operation", "/v20180820/jobs", create(SPEC_CREATE.replace(/<Operation>.*<\/Operation>/, "<Operation><S3DeleteObject/></Operation>")), "BadRequestException", 400, /Operation\/S3DeleteObject: is not a member of Operation/],
    ["a repeated member", "/v20180820/jobs", create(wrap("<Priority>1</Priority><Priority>2</Priority>")), "BadRequestException", 400, /Priority: appears more than once/],
    ["a missing member", "/v20180820/jobs", create(wrap("")), "BadRequestException", 400, /CreateJobRequest\/Priority: is required/],
    ["a map entry without a value", "/v20180820/jobs", create(SPEC_CREATE.replace(/<Operation>.*<\/Operation>/, "<Operation><LambdaInvoke><FunctionArn>f</FunctionArn><InvocationSchemaVersion>2.0</InvocationSchemaVersion><UserArguments><entry><key>k</key></entry></UserArguments></LambdaInvoke></Operation>")), "BadRequestException", 400, /UserArguments\/entry\[1\]: must hold one <key> and one <value>/],
    ["a bad tagging body", "/v20180820/jobs/93735294-df46-44d5-8638-6356f335324e/tagging", { method: "PUT", body: "<PutJobTaggingRequest><Tags><member><Key>k</Key></member></Tags></PutJobTaggingRequest>" }, "BadRequestException", 400, /Tags\/member\[1\]\/Value: is required/],
    ["an unknown route", "/v20180820/accesspoint/ap", {}, "BadRequestException", 400, /No S3 Batch Operations job operation answers GET \/v20180820\/accesspoint\/ap/],
    ["an unknown method", "/v20180820/jobs", { method: "PATCH" }, "MethodNotAllowed", 405, /PATCH is not allowed on \/v20180820\/jobs; use POST or GET/],
    ["bad percent-encoding in the id", "/v20180820/jobs/%E0%A4%A", {}, "BadRequestException", 400, /not valid percent-encoding/],
    ["a job id outside the pattern", "/v20180820/jobs/has%20space", {}, "BadRequestException", 400, /JobId must be a job id/],
    ["a priority given twice", "/v20180820/jobs/93735294-df46-44d5-8638-6356f335324e/priority?priority=1&priority=2", { method: "POST" }, "BadRequestException", 400, /priority appears 2 times/],
    ["no priority", "/v20180820/jobs/93735294-df46-44d5-8638-6356f335324e/priority", { method: "POST" }, "BadRequestException", 400, /query parameter priority is required/],
    ["an exponent for a priority", "/v20180820/jobs/93735294-df46-44d5-8638-6356f335324e/priority?priority=1e3", { method: "POST" }, "BadRequestException", 400, /priority must be an integer from 0 to 2147483647 \(got "1e3"\)/],
    ["an empty reason", "/v20180820/jobs/93735294-df46-44d5-8638-6356f335324e/status?requestedJobStatus=Cancelled&statusUpdateReason=", { method: "POST" }, "BadRequestException", 400, /statusUpdateReason must not be empty/],
    ["a text maxResults", "/v20180820/jobs?maxResults=ten", {}, "InvalidRequestException", 400, /maxResults must be an integer from 0 to 1000/],
    ["an unknown status", "/v20180820/jobs?jobStatuses=Done", {}, "InvalidRequestException", 400, /jobStatuses must be one of Active/],
    ["a token outside the pattern", "/v20180820/jobs?nextToken=%20", {}, "InvalidNextTokenException", 400, /nextToken must be a pagination token/],
    ["no account", "/v20180820/jobs", { headers: { "x-amz-account-id": "abc" } }, "BadRequestException", 400, /x-amz-account-id must be a 12-digit account id, got "abc"/],
  ];

  it.each(cases)("answers %s", async (_what, path, init, code, status, message) => {
    const c = client();
    const res = await c.send(path, init);
    expect(res.status).toBe(status);
    const error = res.xml!.require("Error");
    expect(error.string("Code")).toBe(code);
    expect(error.string("Message")).toMatch(message);
    expect(res.text).not.toContain("EXPANDED");
    expect(res.xml!.string("RequestId")).toBe(res.headers.get("x-amz-request-id"));
    expect(c.internal).toEqual([]);
  });

  it("answers a body over the limit in the dialect's envelope", async () => {
    const c = client({ maxBodyBytes: 100 });
    const res = await c.send("/v20180820/jobs", create(SPEC_CREATE));
    expect(res.status).toBe(400);
    expect(res.xml!.require("Error").string("Code")).toBe("BadRequestException");
    expect(res.xml!.require("Error").string("Message")).toBe("The request body is larger than the limit of 100 bytes");
    expect(res.headers.get("x-amz-request-id")).toMatch(/^[0-9A-F]{16}$/);
  });

  it("answers InternalServiceException (500) when batchplane itself fails, and reports it", async () => {
    const seen: unknown[] = [];
    const dialect = s3ControlDialect({ onInternalError: (e) => seen.push(e) });
    const broken = { describeJob: () => Promise.reject(new TypeError("store is down")) } as never;
    const res = await dialect.handle(
      { method: "GET", url: new URL(`${BASE}/v20180820/jobs/93735294-df46-44d5-8638-6356f335324e`), headers: new Headers({ "x-amz-account-id": ACCOUNT }), body: new Uint8Array() },
      { jobs: broken },
    );
    expect(res.status).toBe(500);
    expect(String(res.body)).toContain("<Code>InternalServiceException</Code>");
    expect(String(res.body)).not.toContain("store is down");
    expect(seen).toHaveLength(1);
  });
});

describe("written DescribeJob bodies", () => {
  it("keep the most recently used bodies and drop the oldest past the limit", async () => {
    const { RenderCache } = await import("../../../dialects/s3-control/handlers.js");
    const cache = new RenderCache(2);
    cache.set("a", "A");
    cache.set("b", "B");
    expect(cache.get("a")).toBe("A");
    cache.set("c", "C");
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual(["A", undefined, "C"]);
  });

  it("are written again once the job changes or its active time moves", async () => {
    const c = client();
    const id = (await c.send("/v20180820/jobs", { method: "POST", body: SPEC_CREATE })).xml!.requireString("JobId");
    const before = (await c.send(`/v20180820/jobs/${id}`)).text;
    expect((await c.send(`/v20180820/jobs/${id}`)).text).toBe(before);
    await c.jobs.advance(id, "prepare");
    await c.jobs.advance(id, "prepared");
    await c.jobs.advance(id, "start");
    const active = (await c.send(`/v20180820/jobs/${id}`)).text;
    expect(active).toContain("<Status>Active</Status><Manifest>");
    expect(active).toContain("<ElapsedTimeInActiveSeconds>0</ElapsedTimeInActiveSeconds>");
    c.clock.advance(3_000);
    expect((await c.send(`/v20180820/jobs/${id}`)).text).toContain("<ElapsedTimeInActiveSeconds>3</ElapsedTimeInActiveSeconds>");
  });
});
