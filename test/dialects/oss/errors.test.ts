import { describe, expect, it } from "vitest";
import { ossDialect } from "../../../dialects/oss/index.js";
import { createFetchHandler } from "../../../src/server/index.js";
import { createJob, createJobXml, HOST, ossError, ossHarness, textOf } from "./harness.js";

/** Every error the dialect answers, in the OSS envelope, with the code, status and EC of its row. */

const ID = "MzRjZGU2NGQ3YTY5NGRhMTkxZmZhYzY5OTM5YTcxYWU=";
const UUID = "34cde64d-7a69-4da1-91ff-ac69939a71ae";

describe("the error envelope", () => {
  it("carries Code, Message, RequestId, HostId and EC, with x-oss-request-id and x-oss-ec agreeing", async () => {
    const { send } = ossHarness();
    const res = await send("GET", `/?batchJob&batchJobId=${ID}`, { host: "oss-cn-shanghai.aliyuncs.com:8443" });
    expect(res.headers.get("content-type")).toBe("application/xml");
    const e = await ossError(res);
    expect(e.body.startsWith('<?xml version="1.0" encoding="UTF-8"?><Error>')).toBe(true);
    expect(e.requestId).toBe(e.requestIdHeader);
    expect(e.requestId).toMatch(/^[0-9A-F]{24}$/);
    expect(e.ec).toBe(e.ecHeader);
    expect(e.hostId).toBe("oss-cn-shanghai.aliyuncs.com:8443");
    expect(e.body).toContain("<RecommendDoc>https://api.aliyun.com/troubleshoot?q=0017-00001002</RecommendDoc>");
  });

  it("gives every response a request id, successes too", async () => {
    const { send } = ossHarness();
    const res = await send("GET", "/?batchJob");
    expect(res.headers.get("x-oss-request-id")).toMatch(/^[0-9A-F]{24}$/);
    expect(res.headers.get("x-oss-ec")).toBeNull();
  });
});

describe("authentication", () => {
  it.each([
    ["POST", "/?batchJob"],
    ["GET", `/?batchJob&batchJobId=${ID}`],
    ["GET", "/?batchJob"],
    ["POST", `/?batchJobPriority&batchJobId=${ID}&targetPriority=1`],
    ["POST", `/?batchJobStatus&batchJobId=${ID}&requestedJobStatus=Cancelled`],
  ])("refuses an anonymous %s %s with 403 AccessDenied", async (method, target) => {
    const { send, store } = ossHarness();
    const e = await ossError(await send(method, target, { auth: null, body: method === "POST" ? createJobXml() : undefined }));
    expect(e).toMatchObject({ status: 403, code: "AccessDenied" });
    expect(e.message).toContain("no Authorization header");
    expect(await store.scan(["New"])).toEqual([]);
  });

  it("names the account by the AccessKeyId of a V1 or V4 header: one account, either signature", async () => {
    const { send } = ossHarness({ uuids: [UUID] });
    await createJob(send, {}, { auth: "OSS4-HMAC-SHA256 Credential=LTAI4Fw2Nb3o4f5a3a1f****/20250611/cn-hangzhou/oss/aliyun_v4_request, Signature=00" });
    expect((await send("GET", `/?batchJob&batchJobId=${ID}`)).status).toBe(200);
    expect((await send("GET", `/?batchJob&batchJobId=${ID}`, { auth: "OSS LTAI5tOther:sig" })).status).toBe(404);
  });

  it("keeps jobs per region: the endpoint's region, or none for a bare host", async () => {
    const { send } = ossHarness({ uuids: [UUID] });
    await createJob(send, {}, { host: "127.0.0.1:9000" });
    expect((await send("GET", `/?batchJob&batchJobId=${ID}`, { host: "127.0.0.1:9000" })).status).toBe(200);
    expect((await send("GET", `/?batchJob&batchJobId=${ID}`, { host: "localhost" })).status).toBe(200);
    expect((await send("GET", `/?batchJob&batchJobId=${ID}`)).status).toBe(404);
    expect((await send("GET", `/?batchJob&batchJobId=${ID}`, { host: "oss-cn-hangzhou-internal.aliyuncs.com" })).status).toBe(404);
  });

  it.each([
    ["OSS ", "InvalidArgument", "0017-99990002"],
    ["OSS no-colon", "InvalidArgument", "0017-99990002"],
    ["OSS :sig", "InvalidArgument", "0017-99990002"],
    ["OSS4-HMAC-SHA256 Signature=18a0", "InvalidArgument", "0002-00000205"],
    ["OSS4-HMAC-SHA256 Credential=/20250611/cn-hangzhou/oss/aliyun_v4_request,Signature=1", "InvalidArgument", "0002-00000205"],
  ])("refuses the malformed Authorization %j", async (auth, code, ec) => {
    const { send } = ossHarness();
    expect(await ossError(await send("GET", "/?batchJob", { auth }))).toMatchObject({ status: 400, code, ec });
  });
});

describe("routing", () => {
  it("accepts batchJob with or without '=', and parameters in any order", async () => {
    const { send } = ossHarness({ uuids: [UUID] });
    await createJob(send);
    for (const target of [`/?batchJob=&batchJobId=${ID}`, `/?batchJobId=${ID}&batchJob`, `/?batchJobId=${encodeURIComponent(ID)}&batchJob=`]) {
      const res = await send("GET", target);
      expect(res.status, target).toBe(200);
      expect(textOf(await res.text(), "JobId")).toBe(ID);
    }
  });

  it.each([
    ["GET", "/?batchJobPriority"],
    ["GET", "/?batchJobStatus"],
    ["PUT", "/?batchJob"],
    ["DELETE", `/?batchJob&batchJobId=${ID}`],
  ])("answers %s %s with 405 MethodNotAllowed", async (method, target) => {
    const { send } = ossHarness();
    const e = await ossError(await send(method, target));
    expect(e).toMatchObject({ status: 405, code: "MethodNotAllowed" });
  });

  it.each(["/?batchJobs", `/?batchJobId=${ID}`, "/?batchJob&batchJobStatus", "/?batchJobPriority&batchJobStatus&batchJob"])(
    "answers the unknown or ambiguous sub-resource %s with 400 InvalidRequest",
    async (target) => {
      const { send } = ossHarness();
      const e = await ossError(await send("POST", target));
      expect(e).toMatchObject({ status: 400, code: "InvalidRequest" });
      expect(e.message).toContain("exactly one sub-resource");
    },
  );

  it("leaves every other request alone (an OSS emulator keeps ListBuckets, objects, ...)", async () => {
    const d = ossDialect();
    const head = (target: string) => ({ method: "GET", url: new URL(`http://${HOST}${target}`), headers: new Headers() });
    expect(d.claims(head("/?batchJob"))).toBe(true);
    expect(d.claims(head("/?batchJobAnything"))).toBe(true);
    for (const t of ["/", "/?regions", "/bucket?batchJob", "/v20180820/jobs", "/jobs"]) expect(d.claims(head(t)), t).toBe(false);
  });
});

describe("request parameters", () => {
  // Every row names its EC: documented ones where a source gives it, else the one errors.ts assigns (0017-9999xxxx).
  const longReason = "r".repeat(257);
  it.each([
    ["a short id", `/?batchJobStatus&batchJobId=abc&requestedJobStatus=Cancelled`, "InvalidArgument", "batchJobId", "0017-00001002"],
    ["an id with '-'", `/?batchJobStatus&batchJobId=${"a".repeat(42)}-=&requestedJobStatus=Cancelled`, "InvalidArgument", "batchJobId", "0017-00001002"],
    ["an id without '='", `/?batchJobStatus&batchJobId=${ID.slice(0, 43)}&requestedJobStatus=Cancelled`, "InvalidArgument", "batchJobId", "0017-00001002"],
    ["no id", `/?batchJobStatus&requestedJobStatus=Cancelled`, "MissingArgument", "batchJobId", "0016-00000502"],
    ["two ids", `/?batchJobStatus&batchJobId=${ID}&batchJobId=${ID}&requestedJobStatus=Cancelled`, "InvalidArgument", "given once", "0017-99990003"],
    ["no requestedJobStatus", `/?batchJobStatus&batchJobId=${ID}`, "MissingArgument", "requestedJobStatus", "0016-00000502"],
    ["requestedJobStatus Active", `/?batchJobStatus&batchJobId=${ID}&requestedJobStatus=Active`, "InvalidArgument", "must be Cancelled or Ready", "0017-99990003"],
    ["requestedJobStatus cancelled", `/?batchJobStatus&batchJobId=${ID}&requestedJobStatus=cancelled`, "InvalidArgument", "requestedJobStatus", "0017-99990003"],
    ["an empty reason", `/?batchJobStatus&batchJobId=${ID}&requestedJobStatus=Cancelled&statusUpdateReason=`, "InvalidArgument", "statusUpdateReason", "0017-99990003"],
    ["a 257-character reason", `/?batchJobStatus&batchJobId=${ID}&requestedJobStatus=Cancelled&statusUpdateReason=${longReason}`, "InvalidArgument", "1 to 256", "0017-99990003"],
    ["no targetPriority", `/?batchJobPriority&batchJobId=${ID}`, "MissingArgument", "targetPriority", "0016-00000502"],
    ["targetPriority -1", `/?batchJobPriority&batchJobId=${ID}&targetPriority=-1`, "InvalidArgument", "targetPriority", "0017-99990003"],
    ["targetPriority 2147483648", `/?batchJobPriority&batchJobId=${ID}&targetPriority=2147483648`, "InvalidArgument", "0 to 2147483647", "0017-99990003"],
    ["targetPriority 1e3", `/?batchJobPriority&batchJobId=${ID}&targetPriority=1e3`, "InvalidArgument", "targetPriority", "0017-99990003"],
    ["targetPriority 99999999999999999999", `/?batchJobPriority&batchJobId=${ID}&targetPriority=99999999999999999999`, "InvalidArgument", "targetPriority", "0017-99990003"],
  ])("refuses %s", async (_, target, code, says, ec) => {
    const { send } = ossHarness({ uuids: [UUID] });
    await createJob(send);
    const e = await ossError(await send("POST", target));
    expect(e).toMatchObject({ status: 400, code });
    expect(e.message).toContain(says);
    expect(e.ec).toBe(ec);
  });

  it.each([
    ["max-keys=0", "max-keys"],
    ["max-keys=1001", "1 to 1000"],
    ["max-keys=ten", "max-keys"],
    ["max-keys=", "max-keys"],
    ["batchJobStatuses=Active|Done", "batchJobStatuses"],
    ["continuation-token=" + "a".repeat(1025), "continuation-token"],
    ["continuation-token=a%20b", "continuation-token"],
    ["continuation-token=" + "b".repeat(20), "continuation-token"],
  ])("refuses ListJobs with %s", async (param, says) => {
    const { send } = ossHarness();
    const e = await ossError(await send("GET", `/?batchJob&${param}`));
    expect(e).toMatchObject({ status: 400, code: "InvalidArgument" });
    expect(e.message).toContain(says);
  });

  it("reads '+' and '%20' alike as spaces", async () => {
    const { send } = ossHarness({ uuids: [UUID, "34cde64d-7a69-4da1-91ff-ac69939a71af"] });
    await createJob(send);
    const plus = await (await send("POST", `/?batchJobStatus&batchJobId=${ID}&requestedJobStatus=Cancelled&statusUpdateReason=no+longer+needed`)).text();
    expect(textOf(plus, "StatusUpdateReason")).toBe("no longer needed");
  });
});

describe("CreateJobRequest bodies", () => {
  const tags = (n: number) => Array.from({ length: n }, (_, i) => `<Tag><Key>k${i}</Key><Value>v</Value></Tag>`).join("");
  it.each([
    ["an empty body", "", "MalformedXML", "root"],
    ["text", "not xml", "MalformedXML", ""],
    ["a DOCTYPE with an entity", '<!DOCTYPE x [<!ENTITY e "boom">]><CreateJobRequest>&e;</CreateJobRequest>', "MalformedXML", "DOCTYPE"],
    ["an external entity", '<!DOCTYPE x SYSTEM "file:///etc/passwd"><CreateJobRequest/>', "MalformedXML", "DOCTYPE"],
    ["an undefined entity", "<CreateJobRequest>&lol;</CreateJobRequest>", "MalformedXML", "entity"],
    ["deep nesting", "<CreateJobRequest>" + "<a>".repeat(40) + "</a>".repeat(40) + "</CreateJobRequest>", "MalformedXML", "deeper"],
    ["another root", "<CreateJob/>", "MalformedXML", "root element must be CreateJobRequest"],
    ["an unknown element", createJobXml().replace("<Priority>", "<Prority>1</Prority><Priority>"), "MalformedXML", "CreateJobRequest/Prority"],
    ["two operations", createJobXml({ operation: "<DeleteObjectTagging/><PutObjectAcl><ObjectAcl>private</ObjectAcl></PutObjectAcl>" }), "MalformedXML", "exactly one"],
    ["no operation", createJobXml({ operation: "" }), "MissingArgument", "exactly one"],
    ["CopyObject (only in an old draft)", createJobXml({ operation: "<CopyObject/>" }), "MalformedXML", "Operation/CopyObject"],
    ["content inside DeleteObjectTagging", createJobXml({ operation: "<DeleteObjectTagging><x/></DeleteObjectTagging>" }), "MalformedXML", "must be empty"],
    ["a repeated Priority", createJobXml({ priority: "<Priority>1</Priority><Priority>2</Priority>" }), "MalformedXML", "more than once"],
    ["ConfirmationRequired yes", createJobXml({ confirmation: "<ConfirmationRequired>yes</ConfirmationRequired>" }), "MalformedXML", "true or false"],
    ["no Priority", createJobXml({ priority: "" }), "MissingArgument", "CreateJobRequest/Priority"],
    ["Priority -1", createJobXml({ priority: "<Priority>-1</Priority>" }), "InvalidArgument", "CreateJobRequest/Priority"],
    ["Priority 2147483648", createJobXml({ priority: "<Priority>2147483648</Priority>" }), "InvalidArgument", "0 to 2147483647"],
    ["Priority 1.5", createJobXml({ priority: "<Priority>1.5</Priority>" }), "InvalidArgument", "Priority"],
    ["no RoleArn", createJobXml({ role: "" }), "MissingArgument", "RoleArn"],
    ["an empty RoleArn", createJobXml({ role: "<RoleArn></RoleArn>" }), "InvalidArgument", "RoleArn"],
    ["a RoleArn that is none", createJobXml({ role: "<RoleArn>arn:aws:iam::1:role/x</RoleArn>" }), "InvalidArgument", "RAM role ARN"],
    ["no ClientRequestToken", createJobXml({ token: null }), "MissingArgument", "ClientRequestToken"],
    ["a 65-character token", createJobXml({ token: "t".repeat(65) }), "InvalidArgument", "1 to 64"],
    ["no Report", createJobXml({ report: "" }), "MissingArgument", "Report"],
    ["a Report without Enabled", createJobXml({ report: "<Report><Bucket>b</Bucket></Report>" }), "MissingArgument", "Report/Enabled"],
    ["an enabled Report without Bucket", createJobXml({ report: "<Report><Enabled>true</Enabled></Report>" }), "MissingArgument", "Report/Bucket"],
    ["ReportScope Some", createJobXml({ report: "<Report><Bucket>b</Bucket><Enabled>true</Enabled><ReportScope>Some</ReportScope></Report>" }), "InvalidArgument", "AllTasks or FailedTasksOnly"],
    ["neither manifest nor generator", createJobXml({ source: "" }), "MissingArgument", "Manifest or KeyPrefixManifestGenerator"],
    [
      "both manifest and generator",
      createJobXml({ source: createJobXml().match(/<Manifest>.*<\/Manifest>/)![0] + "<KeyPrefixManifestGenerator><SourceBucket>b</SourceBucket></KeyPrefixManifestGenerator>" }),
      "InvalidArgument",
      "not both",
    ],
    ["a generator without SourceBucket", createJobXml({ source: "<KeyPrefixManifestGenerator><Prefix>p</Prefix></KeyPrefixManifestGenerator>" }), "MissingArgument", "SourceBucket"],
    ["a manifest without Location", createJobXml({ source: "<Manifest><Spec><Format>OSS_BatchOperations_CSV_20250611</Format></Spec></Manifest>" }), "MissingArgument", "Manifest/Location"],
    ["a manifest without Object", createJobXml({ source: "<Manifest><Location><Bucket>b</Bucket></Location><Spec><Format>OSS_BatchOperations_CSV_20250611</Format></Spec></Manifest>" }), "MissingArgument", "Location/Object"],
    ["an empty ETag", createJobXml({ source: "<Manifest><Location><Bucket>b</Bucket><Object>o</Object><ETag></ETag></Location><Spec><Format>OSS_BatchOperations_CSV_20250611</Format></Spec></Manifest>" }), "InvalidArgument", "ETag"],
    ["the S3 manifest format", createJobXml({ source: "<Manifest><Location><Bucket>b</Bucket><Object>o</Object></Location><Spec><Format>S3BatchOperations_CSV_20180820</Format></Spec></Manifest>" }), "InvalidArgument", "OSS_BatchOperations_CSV_20250611"],
    ["Fields as elements", createJobXml({ source: "<Manifest><Location><Bucket>b</Bucket><Object>o</Object></Location><Spec><Fields><member>Bucket</member></Fields><Format>OSS_BatchOperations_CSV_20250611</Format></Spec></Manifest>" }), "MalformedXML", "Spec/Fields: must hold text"],
    ["Fields without Key", createJobXml({ source: "<Manifest><Location><Bucket>b</Bucket><Object>o</Object></Location><Spec><Fields>Bucket,VersionId</Fields><Format>OSS_BatchOperations_CSV_20250611</Format></Spec></Manifest>" }), "InvalidArgument", "Bucket and Key once each"],
    ["Fields with Size", createJobXml({ source: "<Manifest><Location><Bucket>b</Bucket><Object>o</Object></Location><Spec><Fields>Bucket,Key,Size</Fields><Format>OSS_BatchOperations_CSV_20250611</Format></Spec></Manifest>" }), "InvalidArgument", "Fields"],
    ["ObjectAcl authenticated-read", createJobXml({ operation: "<PutObjectAcl><ObjectAcl>authenticated-read</ObjectAcl></PutObjectAcl>" }), "InvalidArgument", "default, private, public-read, public-read-write"],
    ["PutObjectAcl without ObjectAcl", createJobXml({ operation: "<PutObjectAcl/>" }), "MissingArgument", "ObjectAcl"],
    ["Days 0", createJobXml({ operation: "<RestoreObject><Days>0</Days></RestoreObject>" }), "InvalidArgument", "Days"],
    ["Days 366", createJobXml({ operation: "<RestoreObject><Days>366</Days></RestoreObject>" }), "InvalidArgument", "1 to 365"],
    ["Tier Expedited", createJobXml({ operation: "<RestoreObject><Tier>Expedited</Tier></RestoreObject>" }), "InvalidArgument", "Standard or Bulk"],
    ["PutObjectTagging without TagSet", createJobXml({ operation: "<PutObjectTagging/>" }), "MissingArgument", "TagSet"],
    ["a Tag without Value", createJobXml({ operation: "<PutObjectTagging><TagSet><Tag><Key>k</Key></Tag></TagSet></PutObjectTagging>" }), "MissingArgument", "Tag[1]/Value"],
    ["11 tags", createJobXml({ operation: `<AddObjectTagging><TagSet>${tags(11)}</TagSet></AddObjectTagging>` }), "InvalidArgument", "at most 10 tags"],
    ["a repeated tag key", createJobXml({ operation: "<PutObjectTagging><TagSet><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></TagSet></PutObjectTagging>" }), "InvalidArgument", "repeat"],
    ["a 129-character tag key", createJobXml({ operation: `<PutObjectTagging><TagSet><Tag><Key>${"k".repeat(129)}</Key><Value>1</Value></Tag></TagSet></PutObjectTagging>` }), "InvalidArgument", "1 to 128"],
    ["a 257-character Description", createJobXml({ description: `<Description>${"d".repeat(257)}</Description>` }), "InvalidArgument", "Description"],
  ])("refuses %s, writing no job", async (_, body, code, says) => {
    const { send, store } = ossHarness();
    const e = await ossError(await send("POST", "/?batchJob", { body }));
    expect(e).toMatchObject({ status: 400, code });
    expect(e.message).toContain(says);
    expect(e.ec).toBe(e.ecHeader);
    expect(await store.scan(["New"])).toEqual([]);
  });

  it("refuses a ClientRequestToken reused with another request (InvalidRequest), and answers the same job for the same one", async () => {
    const { send } = ossHarness();
    const body = createJobXml({ token: "same" });
    const first = textOf(await (await send("POST", "/?batchJob", { body })).text(), "JobId");
    expect(textOf(await (await send("POST", "/?batchJob", { body })).text(), "JobId")).toBe(first);
    const e = await ossError(await send("POST", "/?batchJob", { body: createJobXml({ token: "same", priority: "<Priority>11</Priority>" }) }));
    expect(e).toMatchObject({ status: 400, code: "InvalidRequest" });
    expect(e.message).toContain(first!);
  });
});

describe("transport", () => {
  it("refuses a body over the server's limit with EntityTooLarge", async () => {
    const { jobs } = ossHarness();
    const handler = createFetchHandler({ jobs, dialects: [ossDialect()], maxBodyBytes: 100 });
    const res = await handler(new Request(`http://${HOST}/?batchJob`, { method: "POST", body: createJobXml(), headers: { authorization: "OSS a:b" } }));
    const e = await ossError(res);
    expect(e).toMatchObject({ status: 400, code: "EntityTooLarge" });
    expect(e.message).toContain("100 bytes");
  });

  it("refuses a Content-MD5 that does not match the body with InvalidDigest", async () => {
    const { send } = ossHarness();
    const e = await ossError(await send("POST", "/?batchJob", { body: createJobXml(), headers: { "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" } }));
    expect(e).toMatchObject({ status: 400, code: "InvalidDigest" });
  });

  it("renders a fault inside the service as InternalError 500 in the OSS envelope", async () => {
    const { jobs } = ossHarness();
    jobs.listJobs = async () => {
      throw new TypeError("store exploded");
    };
    const handler = createFetchHandler({ jobs, dialects: [ossDialect()] });
    const e = await ossError(await handler(new Request(`http://${HOST}/?batchJob`, { headers: { authorization: "OSS a:b" } })));
    expect(e).toMatchObject({ status: 500, code: "InternalError" });
    expect(e.message).not.toContain("exploded");
  });
});
