import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseXml } from "../../../dialects/xml/index.js";
import { jobSchema } from "../../../src/core/model/job.js";
import { createJob, createJobXml, HOST, ossHarness } from "./harness.js";

/**
 * Whatever arrives on the OSS routes (malformed or hostile XML, bad ids, bad numbers, over-long
 * reasons, unknown sub-resources, odd credentials), the answer is OSS's: a result or an <Error>
 * envelope, never a 5xx, and never a half-written job.
 */

const ROOTS = new Set(["CreateJobResult", "DescribeJobResult", "ListJobsResult", "UpdateJobPriorityResult", "UpdateJobStatusResult"]);
const KNOWN_KEYS = ["batchJob", "batchJobPriority", "batchJobStatus", "batchJobId", "targetPriority", "requestedJobStatus", "statusUpdateReason", "batchJobStatuses", "max-keys", "continuation-token"];
const ELEMENTS = ["CreateJobRequest", "Operation", "PutObjectTagging", "AddObjectTagging", "DeleteObjectTagging", "PutObjectAcl", "ObjectAcl", "RestoreObject", "Days", "Tier", "TagSet", "Tag", "Key", "Value", "Report", "Bucket", "Enabled", "Prefix", "ReportScope", "ClientRequestToken", "Manifest", "Location", "ETag", "Object", "VersionId", "Spec", "Fields", "Format", "KeyPrefixManifestGenerator", "SourceBucket", "Description", "Priority", "RoleArn", "ConfirmationRequired"];

/** Stands for the id of the job each run creates first. */
const REAL_ID = "<the job's id>";
const anyText = fc.string({ unit: "binary", maxLength: 300 });
const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 80 });

/** Values that mean something somewhere, and values that mean nothing anywhere. */
const value = (realId: string) =>
  fc.oneof(
    fc.constantFrom(realId, "", "Cancelled", "Ready", "Active | Complete", "20", "-1", "2147483648", "1e3", "0x10", "99999999999999999999", "r".repeat(257), "=", "MzRj%3D"),
    fc.integer().map(String),
    anyText,
  );

const param = (realId: string) =>
  fc.tuple(
    fc.oneof(
      { arbitrary: fc.constantFrom(...KNOWN_KEYS.slice(3)), weight: 8 },
      { arbitrary: fc.constantFrom(...KNOWN_KEYS.slice(0, 3)), weight: 1 },
      { arbitrary: printable.map((s) => `batchJob${s}`), weight: 1 },
      { arbitrary: printable, weight: 1 },
    ),
    fc.option(value(realId), { nil: undefined }),
    fc.boolean(),
  );

/** A tree of the schema's element names with arbitrary text: shapes the codec must sort out. */
const xmlTree: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.tuple(fc.constantFrom(...ELEMENTS), anyText).map(([n, t]) => `<${n}>${escape(t)}</${n}>`),
    fc.tuple(fc.constantFrom(...ELEMENTS), fc.array(tie("node"), { maxLength: 6 })).map(([n, cs]) => `<${n}>${cs.join("")}</${n}>`),
  ),
})).node;

const body = fc.oneof(
  fc.constant(""),
  fc.constant(createJobXml()),
  // A valid body with a slice cut out or text spliced in.
  fc.tuple(fc.nat(), fc.nat(), anyText).map(([a, b, t]) => {
    const s = createJobXml();
    const [i, j] = [a % s.length, b % s.length].sort((x, y) => x - y);
    return s.slice(0, i) + t + s.slice(j!);
  }),
  xmlTree.map((t) => `<CreateJobRequest>${t}</CreateJobRequest>`),
  xmlTree,
  fc.constantFrom(
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><CreateJobRequest>&lol2;</CreateJobRequest>',
    '<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://evil/x.dtd"><CreateJobRequest/>',
    "<CreateJobRequest>" + "<Operation>".repeat(200) + "</Operation>".repeat(200) + "</CreateJobRequest>",
    `<CreateJobRequest>${"<Description>x</Description>".repeat(5000)}</CreateJobRequest>`,
    "<CreateJobRequest><![CDATA[</CreateJobRequest>]]></CreateJobRequest>",
    "\uFEFF<CreateJobRequest/>",
  ),
  fc.uint8Array({ maxLength: 400 }),
);

const auth = fc.oneof(
  { arbitrary: fc.constant("OSS LTAI4Fw2Nb3o4f5a3a1f****:sig"), weight: 6 },
  { arbitrary: fc.constantFrom("OSS4-HMAC-SHA256 Credential=AK/20250611/cn-hangzhou/oss/aliyun_v4_request,Signature=0", null), weight: 1 },
  { arbitrary: printable, weight: 1 },
);

/** The sub-resource and, mostly, the method its operations use. */
const route = fc.oneof(
  { arbitrary: fc.constantFrom(["POST", "batchJob"], ["GET", "batchJob"], ["POST", "batchJobPriority"], ["POST", "batchJobStatus"]), weight: 6 },
  { arbitrary: fc.tuple(fc.constantFrom("GET", "POST", "PUT", "DELETE", "HEAD"), fc.constantFrom("batchJob", "batchJobPriority", "batchJobStatus")), weight: 1 },
);

function escape(t: string): string {
  return t.replace(/&/g, "&amp;").replace(/</g, "&lt;");
}

function target(params: [string, string | undefined, boolean][]): string {
  const parts = params.map(([k, v, raw]) => {
    const key = encodeURIComponent(k);
    if (v === undefined) return key;
    // Sometimes the value as a careless client writes it: reserved characters left alone.
    return `${key}=${raw ? encodeURI(v).replace(/#/g, "%23") : encodeURIComponent(v)}`;
  });
  return `/?${parts.join("&")}`;
}

describe("hostile input to the OSS fetch handler", () => {
  it("is always answered in OSS's shape, never with a 5xx, never with a half-written job", { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.array(param(REAL_ID), { maxLength: 6 }),
        body,
        auth,
        fc.constantFrom(HOST, "127.0.0.1:8080", "oss-ap-southeast-1.aliyuncs.com"),
        async ([method, subresource], params, payload, authorization, host) => {
          const { send, store } = ossHarness();
          const realId = await createJob(send, {}, { host });
          const fixed = params.map(([k, v, raw]) => [k, v === REAL_ID ? realId : v, raw] as [string, string | undefined, boolean]);
          const withBody = method === "GET" || method === "HEAD" ? undefined : typeof payload === "string" ? payload : Buffer.from(payload).toString("latin1");
          const res = await send(method, target([[subresource, undefined, false], ...fixed]), { host, auth: authorization, body: withBody });

          expect(res.status).toBeLessThan(500);
          expect(res.headers.get("content-type")).toBe("application/xml");
          expect(res.headers.get("x-oss-request-id")).toMatch(/^[0-9A-F]{24}$/);
          const text = await res.text();
          if (method !== "HEAD") {
            const root = parseXml(text);
            if (res.status === 200) {
              expect(ROOTS.has(root.name)).toBe(true);
            } else {
              expect(root.name).toBe("Error");
              expect(root.children.map((c) => c.name).slice(0, 5)).toEqual(["Code", "Message", "RequestId", "HostId", "EC"]);
              expect(root.children.find((c) => c.name === "EC")!.text).toBe(res.headers.get("x-oss-ec"));
            }
          }
          // Every stored job is whole; a second one exists only if CreateJob answered 200.
          const stored = await store.scan(["New", "Cancelling", "Ready"]);
          for (const job of stored) jobSchema.parse(job);
          const created = res.status === 200 && method === "POST" && subresource === "batchJob";
          expect(stored.length).toBe(created && text.includes("<CreateJobResult>") && !text.includes(realId) ? 2 : 1);
        },
      ),
      { numRuns: 400 },
    );
  });
});
