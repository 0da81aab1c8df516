import { createServer } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { cosDialect } from "../../../dialects/cos/index.js";
import { JOB_STATUSES, type EngineEvent } from "../../../src/index.js";
import { createNodeHandler } from "../../../src/server/index.js";
import { CREATE_COPY_DCJ, createBody } from "./examples.js";
import { APPID, drive, element, fetchRig, HOST, jobIdOf, newJobs, TO_ACTIVE, TO_COMPLETE, TO_SUSPENDED } from "./support.js";

/**
 * The seeds (shared/seeds/001_e6fbb8dd71ae7874.txt, the rendered UpdateJobStatus page, and
 * 002_a658dee756ffde6c.txt, its Markdown source): the sample request replayed byte for byte over
 * a socket, and every row of their parameter and error tables.
 */

const SAMPLE_REQUEST = "POST /jobs/<JobId>/status?requestedJobStatus=<RequestedJobStatus>&statusUpdateReason=<StatusUpdateReason> HTTP/1.1\nx-cos-appid: <appid>";

describe("the seeds' sample request, over a real socket", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  async function serve() {
    const { jobs } = newJobs();
    const server = createServer(createNodeHandler({ jobs, dialects: [cosDialect()] }));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    close = () => new Promise<void>((r) => server.close(() => r()));
    return { jobs, port: (server.address() as AddressInfo).port };
  }

  function raw(port: number, text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write(text));
      let data = "";
      socket.on("data", (c) => (data += c));
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
  }

  /** The sample with its placeholders filled, plus the Host and Connection lines HTTP/1.1 needs. */
  function fill(values: Record<string, string>): string {
    const [line, header] = SAMPLE_REQUEST.replace(/<(\w+)>/g, (m, name: string) => values[name] ?? m).split("\n");
    return `${line}\r\nHost: ${HOST}\r\n${header}\r\nConnection: close\r\n\r\n`;
  }

  it.each([
    ["Ready", "Suspended", TO_SUSPENDED, "Ready"],
    ["Cancelled", "Active", TO_ACTIVE, "Cancelling"],
  ] as const)("requestedJobStatus=%s on a %s job answers HTTP/1.1 200 and UpdateJobStatusResult", async (requested, _from, events, status) => {
    const { jobs, port } = await serve();
    const { job } = await jobs.createJob({ dialect: "cos", account: APPID, region: "ap-chengdu" }, {
      clientRequestToken: "seed",
      priority: 1,
      confirmationRequired: true,
      role: "qcs::cam::uin/100000000001:roleName/r",
      operation: { type: "delete" },
      manifest: { location: { bucket: "b-1250000000", key: "m.csv", etag: "e" }, format: "csv", fields: ["bucket", "key"] },
      report: { enabled: false },
    });
    await drive(jobs, job.id, events as unknown as EngineEvent[]);
    const answer = await raw(port, fill({ JobId: job.id, RequestedJobStatus: requested, StatusUpdateReason: "checked%20by%20ops", appid: APPID }));
    expect(answer).toMatch(/^HTTP\/1.1 200 /);
    expect(answer).toMatch(/\r\nx-cos-request-id: \S+\r\n/);
    const body = answer.slice(answer.indexOf("\r\n\r\n") + 4);
    expect(body.replace(/<\?xml[^>]*\?>/, "")).toBe(
      `<UpdateJobStatusResult><JobId>${job.id}</JobId><Status>${status}</Status><StatusUpdateReason>checked by ops</StatusUpdateReason></UpdateJobStatusResult>`,
    );
    // Status is one of the 13 values the response table lists.
    expect(JOB_STATUSES).toContain(element(body, "Status"));
  });
});

type Setup = "none" | "New" | "Suspended" | "Active" | "Complete" | "Cancelled" | "Cancelling";
const EVENTS: Record<Exclude<Setup, "none" | "Cancelled" | "Cancelling">, EngineEvent[]> = {
  New: [],
  Suspended: TO_SUSPENDED,
  Active: TO_ACTIVE,
  Complete: TO_COMPLETE,
};

/** A rig with one job in the given status; `{id}` in a path stands for it. */
async function withJob(setup: Setup) {
  const rig = fetchRig();
  if (setup === "none") return { ...rig, id: "53dc6228-c50b-46f7-8ad7-65e7159f1aae" };
  const id = jobIdOf((await rig.send("POST", "/jobs", { body: CREATE_COPY_DCJ })).text);
  if (setup === "Cancelled" || setup === "Cancelling") {
    await drive(rig.jobs, id, setup === "Cancelled" ? [] : TO_ACTIVE);
    await rig.jobs.updateJobStatus((await rig.jobs.get(id))!.tenant, id, "Cancelled");
  } else {
    await drive(rig.jobs, id, EVENTS[setup]);
  }
  return { ...rig, id };
}

interface ErrorCase {
  row: string;
  setup: Setup;
  method: string;
  path: string;
  appid?: string | null;
  body?: string;
  code: string;
  status: number;
  message: RegExp;
}

/** Every row of the seeds' error table, and the parameter-table rules, replayed. */
const SEED_ERRORS: ErrorCase[] = [
  { row: "InvalidArgument: requestedJobStatus must be Cancelled or Ready (Active)", setup: "New", method: "POST", path: "/jobs/{id}/status?requestedJobStatus=Active", code: "InvalidArgument", status: 400, message: /^requestedJobStatus must be Cancelled or Ready, got "Active"$/ },
  { row: "InvalidArgument: requestedJobStatus must be Cancelled or Ready (lower case)", setup: "New", method: "POST", path: "/jobs/{id}/status?requestedJobStatus=ready", code: "InvalidArgument", status: 400, message: /must be Cancelled or Ready, got "ready"/ },
  { row: "InvalidArgument: requestedJobStatus is required", setup: "New", method: "POST", path: "/jobs/{id}/status", code: "InvalidArgument", status: 400, message: /requestedJobStatus must be Cancelled or Ready, got ""/ },
  { row: "InvalidRequest: the specified job has already been completed (Ready)", setup: "Complete", method: "POST", path: "/jobs/{id}/status?requestedJobStatus=Ready", code: "InvalidRequest", status: 400, message: /^The specified job has already been completed: job \S+ is Complete$/ },
  { row: "InvalidRequest: the specified job has already been completed (Cancelled)", setup: "Cancelled", method: "POST", path: "/jobs/{id}/status?requestedJobStatus=Cancelled", code: "InvalidRequest", status: 400, message: /already been completed: job \S+ is Cancelled/ },
  { row: "InvalidRequest: error with the job status change (Ready from Active)", setup: "Active", method: "POST", path: "/jobs/{id}/status?requestedJobStatus=Ready", code: "InvalidRequest", status: 400, message: /^Error with the job status change: job \S+ is Active and cannot be moved to Ready$/ },
  { row: "InvalidRequest: error with the job status change (Cancelled from Cancelling)", setup: "Cancelling", method: "POST", path: "/jobs/{id}/status?requestedJobStatus=Cancelled", code: "InvalidRequest", status: 400, message: /job \S+ is Cancelling and cannot be moved to Cancelled/ },
  { row: "NoSuchJob: UpdateJobStatus on a job that does not exist", setup: "none", method: "POST", path: "/jobs/{id}/status?requestedJobStatus=Cancelled", code: "NoSuchJob", status: 404, message: /^The specified job does not exist or has already been completed: 53dc6228-/ },
  { row: "NoSuchJob: UpdateJobPriority on a job that does not exist", setup: "none", method: "POST", path: "/jobs/{id}/priority?priority=1", code: "NoSuchJob", status: 404, message: /does not exist or has already been completed: 53dc6228-/ },
  { row: "NoSuchJob: UpdateJobPriority on a job that has already been completed", setup: "Complete", method: "POST", path: "/jobs/{id}/priority?priority=1", code: "NoSuchJob", status: 404, message: /^The specified job does not exist or has already been completed: job \S+ is Complete$/ },
  { row: "parameter JobId: required", setup: "New", method: "POST", path: "/jobs//status?requestedJobStatus=Ready", code: "InvalidRequest", status: 400, message: /^No job ID provided in \/jobs\/\/status$/ },
  { row: "parameter statusUpdateReason: 0–256 bytes", setup: "New", method: "POST", path: `/jobs/{id}/status?requestedJobStatus=Cancelled&statusUpdateReason=${"%E8%85%BE".repeat(86)}`, code: "InvalidArgument", status: 400, message: /^statusUpdateReason must be 0 to 256 bytes long/ },
  { row: "parameter x-cos-appid: required", setup: "New", method: "POST", path: "/jobs/{id}/status?requestedJobStatus=Cancelled", appid: null, code: "InvalidArgument", status: 400, message: /^x-cos-appid cannot be empty/ },
  { row: "parameter x-cos-appid: 1–64 bytes", setup: "New", method: "POST", path: "/jobs/{id}/status?requestedJobStatus=Cancelled", appid: "1".repeat(65), code: "InvalidArgument", status: 400, message: /^x-cos-appid must be 1 to 64 bytes long/ },
];

/** The rest of the batch catalogue (spec §10.2) and the generic codes the dialect uses. */
const CATALOGUE_ERRORS: ErrorCase[] = [
  { row: "InvalidArgument: x-cos-appid cannot be empty (CreateJob)", setup: "none", method: "POST", path: "/jobs", body: CREATE_COPY_DCJ, appid: "", code: "InvalidArgument", status: 400, message: /x-cos-appid cannot be empty/ },
  { row: "InvalidArgument: x-cos-appid cannot be empty (ListJobs)", setup: "none", method: "GET", path: "/jobs", appid: null, code: "InvalidArgument", status: 400, message: /x-cos-appid cannot be empty/ },
  { row: "InvalidArgument: x-cos-appid cannot be empty (DescribeJob)", setup: "New", method: "GET", path: "/jobs/{id}", appid: "  ", code: "InvalidArgument", status: 400, message: /x-cos-appid cannot be empty/ },
  { row: "InvalidArgument: empty parameter", setup: "none", method: "POST", path: "/jobs", body: createBody({ token: "" }), code: "InvalidArgument", status: 400, message: /^CreateJobRequest\/ClientRequestToken must not be empty$/ },
  { row: "InvalidArgument: invalid parameter (token over 64 bytes)", setup: "none", method: "POST", path: "/jobs", body: createBody({ token: "t".repeat(65) }), code: "InvalidArgument", status: 400, message: /ClientRequestToken must be 1 to 64 bytes long/ },
  { row: "InvalidArgument: Priority must be an integer 0–2147483647 (negative)", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["<Priority>10<", "<Priority>-1<"]] }), code: "InvalidArgument", status: 400, message: /^CreateJobRequest\/Priority must be an integer from 0 to 2147483647, got "-1"$/ },
  { row: "InvalidArgument: Priority must be an integer 0–2147483647 (too large)", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["<Priority>10<", "<Priority>2147483648<"]] }), code: "InvalidArgument", status: 400, message: /Priority must be an integer from 0 to 2147483647, got "2147483648"/ },
  { row: "InvalidArgument: Priority must be an integer 0–2147483647 (not a number)", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["<Priority>10<", "<Priority>high<"]] }), code: "InvalidArgument", status: 400, message: /Priority must be an integer/ },
  { row: "InvalidArgument: UpdateJobPriority priority out of range", setup: "New", method: "POST", path: "/jobs/{id}/priority?priority=2147483648", code: "InvalidArgument", status: 400, message: /^priority must be an integer from 0 to 2147483647/ },
  { row: "InvalidArgument: jobStatuses invalid", setup: "none", method: "GET", path: "/jobs?jobStatuses=Running", code: "InvalidArgument", status: 400, message: /^jobStatuses must be one of New, Preparing, .*, got "Running"$/ },
  { row: "InvalidArgument: maxResults not a positive integer", setup: "none", method: "GET", path: "/jobs?maxResults=0", code: "InvalidArgument", status: 400, message: /^maxResults must be an integer from 1 to 1000, got "0"$/ },
  { row: "InvalidArgument: maxResults not an integer", setup: "none", method: "GET", path: "/jobs?maxResults=ten", code: "InvalidArgument", status: 400, message: /maxResults must be an integer from 1 to 1000, got "ten"/ },
  { row: "InvalidArgument: nextToken invalid", setup: "none", method: "GET", path: "/jobs?nextToken=nope", code: "InvalidArgument", status: 400, message: /^Invalid nextToken: the pagination token is not valid$/ },
  { row: "InvalidArgument: invalid ARN", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["qcs::cos:ap-chengdu:uid/1250000000:destinationbucket", "arn:aws:s3:::destinationbucket"]] }), code: "InvalidArgument", status: 400, message: /^CreateJobRequest\/Operation\/COSPutObjectCopy\/TargetResource must be a COS resource name/ },
  { row: "InvalidArgument: role is not a CAM role", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole", "admin"]] }), code: "InvalidArgument", status: 400, message: /^CreateJobRequest\/RoleArn must be a CAM role/ },
  { row: "InvalidArgument: manifest format", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["<Format>COSBatchOperations_CSV_V1", "<Format>S3BatchOperations_CSV_20180820"]] }), code: "InvalidArgument", status: 400, message: /Manifest\/Spec\/Format must be one of COSBatchOperations_CSV_V1, COSInventoryReport_CSV_V1/ },
  { row: "InvalidArgument: manifest fields without Key", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["<member>Key</member>", "<member>Ignore</member>"]] }), code: "InvalidArgument", status: 400, message: /Manifest\/Spec\/Fields must name Key exactly once, got Bucket,Ignore/ },
  { row: "InvalidArgument: report scope", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["AllTasks", "SomeTasks"]] }), code: "InvalidArgument", status: 400, message: /Report\/ReportScope must be one of AllTasks, FailedTasksOnly, got "SomeTasks"/ },
  { row: "InvalidArgument: restore days", setup: "none", method: "POST", path: "/jobs", body: createBody({ operation: "<COSInitiateRestoreObject><ExpirationInDays>366</ExpirationInDays><JobTier>Bulk</JobTier></COSInitiateRestoreObject>" }), code: "InvalidArgument", status: 400, message: /ExpirationInDays must be an integer from 1 to 365, got "366"/ },
  { row: "InvalidArgument: more than 10 object tags", setup: "none", method: "POST", path: "/jobs", body: createBody({ operation: `<COSPutObjectTagging><TagSet>${Array.from({ length: 11 }, (_, i) => `<COSTag><Key>k${i}</Key><Value>v</Value></COSTag>`).join("")}</TagSet></COSPutObjectTagging>` }), code: "InvalidArgument", status: 400, message: /TagSet holds 11 tags; an object can have at most 10/ },
  { row: "InvalidArgument: duplicate tag keys", setup: "none", method: "POST", path: "/jobs", body: createBody({ operation: "<COSPutObjectTagging><TagSet><COSTag><Key>k</Key><Value>1</Value></COSTag><COSTag><Key>k</Key><Value>2</Value></COSTag></TagSet></COSPutObjectTagging>" }), code: "InvalidArgument", status: 400, message: /gives the tag key "k" more than once/ },
  { row: "InvalidRequest: empty request body", setup: "none", method: "POST", path: "/jobs", body: "", code: "InvalidRequest", status: 400, message: /^The request body is empty/ },
  { row: "InvalidRequest: no job ID provided", setup: "none", method: "GET", path: "/jobs/", code: "InvalidRequest", status: 400, message: /No job ID provided/ },
  { row: "InvalidRequest: no job priority provided", setup: "New", method: "POST", path: "/jobs/{id}/priority", code: "InvalidRequest", status: 400, message: /^No job priority provided/ },
  { row: "InvalidRequest: no such API", setup: "none", method: "POST", path: "/jobs/{id}/pause", code: "InvalidRequest", status: 400, message: /^No batch API answers POST \/jobs\/53dc6228-c50b-46f7-8ad7-65e7159f1aae\/pause$/ },
  { row: "MalformedXML: not XML", setup: "none", method: "POST", path: "/jobs", body: "<CreateJobRequest><Priority>1</CreateJobRequest>", code: "MalformedXML", status: 400, message: /^The XML you provided was not well-formed: / },
  { row: "MalformedXML: another root", setup: "none", method: "POST", path: "/jobs", body: "<CreateJobResult/>", code: "MalformedXML", status: 400, message: /CreateJobResult is not a CreateJob request: the root element must be CreateJobRequest/ },
  { row: "MalformedXML: Manifest missing", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [[/<Manifest>[\s\S]*<\/Manifest>/, ""]] }), code: "MalformedXML", status: 400, message: /CreateJobRequest\/Manifest is required/ },
  { row: "MalformedXML: Operation empty", setup: "none", method: "POST", path: "/jobs", body: createBody({ operation: "" }), code: "MalformedXML", status: 400, message: /CreateJobRequest\/Operation must hold exactly one of COSPutObjectCopy, COSInitiateRestoreObject, COSPutObjectTagging, COSDeleteObject; it holds 0 elements/ },
  { row: "MalformedXML: another provider's operation", setup: "none", method: "POST", path: "/jobs", body: createBody({ operation: "<S3PutObjectTagging/>" }), code: "MalformedXML", status: 400, message: /Operation\/S3PutObjectTagging is not a COS batch operation/ },
  { row: "MalformedXML: Report without Enabled", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["<Enabled>true</Enabled>", ""]] }), code: "MalformedXML", status: 400, message: /CreateJobRequest\/Report\/Enabled is required/ },
  { row: "MalformedXML: enabled Report without Bucket", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [[/<Bucket>[^<]*<\/Bucket>/, ""]] }), code: "MalformedXML", status: 400, message: /Report\/Bucket is required/ },
  { row: "MalformedXML: CSV manifest without Fields", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [[/<Fields>.*<\/Fields>/, ""]] }), code: "MalformedXML", status: 400, message: /Manifest\/Spec\/Fields is required when Format is COSBatchOperations_CSV_V1/ },
  { row: "MalformedXML: misspelt element", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["<Priority>10</Priority>", "<Priority>10</Priority><Prority>1</Prority>"]] }), code: "MalformedXML", status: 400, message: /CreateJobRequest\/Prority is not an element of CreateJobRequest/ },
  { row: "MalformedXML: element repeated", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["<Priority>10</Priority>", "<Priority>10</Priority><Priority>11</Priority>"]] }), code: "MalformedXML", status: 400, message: /CreateJobRequest\/Priority appears more than once/ },
  { row: "MalformedXML: elements where a value belongs", setup: "none", method: "POST", path: "/jobs", body: createBody({ replace: [["<Priority>10</Priority>", "<Priority><Value>10</Value></Priority>"]] }), code: "MalformedXML", status: 400, message: /CreateJobRequest\/Priority must hold a value, not elements/ },
  { row: "MalformedXML: tagging directive without tags", setup: "none", method: "POST", path: "/jobs", body: createBody({ operation: "<COSPutObjectCopy><TaggingDirective>Replaced</TaggingDirective><TargetResource>qcs::cos:ap-chengdu::t-1</TargetResource></COSPutObjectCopy>" }), code: "MalformedXML", status: 400, message: /NewObjectTagging is required when TaggingDirective is Replaced or Add/ },
  { row: "MalformedXML: a DOCTYPE", setup: "none", method: "POST", path: "/jobs", body: '<!DOCTYPE x [<!ENTITY a "b">]><CreateJobRequest/>', code: "MalformedXML", status: 400, message: /DOCTYPE/ },
  { row: "NoSuchJob: DescribeJob on a job that does not exist", setup: "none", method: "GET", path: "/jobs/{id}", code: "NoSuchJob", status: 404, message: /^The specified job does not exist: 53dc6228-c50b-46f7-8ad7-65e7159f1aae$/ },
  { row: "MethodNotAllowed (generic): PUT /jobs", setup: "none", method: "PUT", path: "/jobs", code: "MethodNotAllowed", status: 405, message: /^The specified method PUT is not allowed on \/jobs; allowed: POST, GET$/ },
  { row: "MethodNotAllowed (generic): GET /jobs/<id>/status", setup: "New", method: "GET", path: "/jobs/{id}/status", code: "MethodNotAllowed", status: 405, message: /allowed: POST$/ },
];

describe.each([
  ["the seeds' tables", SEED_ERRORS],
  ["the spec's error catalogue", CATALOGUE_ERRORS],
])("%s", (_name, cases) => {
  it.each(cases.map((c) => [c.row, c] as const))("%s", async (_row, c) => {
    const { send, id, store } = await withJob(c.setup);
    const snapshot = () => store.scan(JOB_STATUSES);
    const before = await snapshot();
    const res = await send(c.method, c.path.replaceAll("{id}", id), { appid: c.appid, body: c.body });
    expect({ status: res.status, code: element(res.text, "Code") }).toEqual({ status: c.status, code: c.code });
    expect(element(res.text, "Message")).toMatch(c.message);
    // The envelope of spec §10.1, its ids also in the headers.
    expect(res.text).toMatch(/^<\?xml[^>]*\?><Error><Code>\w+<\/Code><Message>[^<]+<\/Message><Resource>[^<]+<\/Resource><RequestId>[^<]+<\/RequestId><TraceId>[^<]+<\/TraceId><\/Error>$/);
    expect(element(res.text, "Resource")).toBe(`${HOST}${new URL(`http://h${c.path.replaceAll("{id}", id)}`).pathname}`);
    expect(element(res.text, "RequestId")).toBe(res.headers.get("x-cos-request-id"));
    expect(element(res.text, "TraceId")).toBe(res.headers.get("x-cos-trace-id"));
    expect(res.headers.get("content-type")).toBe("application/xml");
    // A refused request writes nothing.
    expect(await snapshot()).toEqual(before);
  });
});
