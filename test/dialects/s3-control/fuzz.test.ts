import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACCOUNT, fetchHandler } from "./support.js";

/**
 * Hostile input, generated: random and mutated requests through the fetch handler. Whatever
 * arrives, the answer is a response (never a thrown exception) below 500, and a claimed request
 * is answered in S3 Control's envelope.
 */

const VALID_CREATE = `<?xml version="1.0" encoding="UTF-8"?><CreateJobRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><ConfirmationRequired>false</ConfirmationRequired><Operation><S3PutObjectCopy><TargetResource>arn:aws:s3:::copies</TargetResource><NewObjectMetadata><UserMetadata><entry><key>a</key><value>b</value></entry></UserMetadata><HttpExpiresDate>2030-01-01T00:00:00Z</HttpExpiresDate></NewObjectMetadata><NewObjectTagging><member><Key>k</Key><Value>v</Value></member></NewObjectTagging></S3PutObjectCopy></Operation><Report><Bucket>arn:aws:s3:::reports</Bucket><Format>Report_CSV_20180820</Format><Enabled>true</Enabled><Prefix>p</Prefix><ReportScope>AllTasks</ReportScope></Report><ClientRequestToken>tok</ClientRequestToken><ManifestGenerator><S3JobManifestGenerator><SourceBucket>arn:aws:s3:::src</SourceBucket><Filter><MatchAnyObjectEncryption><ObjectEncryption><SSE-S3/></ObjectEncryption></MatchAnyObjectEncryption><CreatedAfter>2024-01-01T00:00:00.5Z</CreatedAfter></Filter><EnableManifestOutput>false</EnableManifestOutput></S3JobManifestGenerator></ManifestGenerator><Priority>42</Priority><RoleArn>arn:aws:iam::123456789012:role/R</RoleArn><Tags><member><Key>dept</Key><Value>finance</Value></member></Tags></CreateJobRequest>`;
const VALID_TAGS = `<PutJobTaggingRequest><Tags><member><Key>k</Key><Value/></member></Tags></PutJobTaggingRequest>`;

const JOB = "00000000-0000-4000-8000-000000000001";

/** A valid body, changed at random: cut, spliced, duplicated or with markup inserted. */
const mutated = (source: string) =>
  fc
    .array(
      fc.oneof(
        fc.record({ kind: fc.constant("cut" as const), at: fc.nat(), len: fc.nat({ max: 40 }) }),
        fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.string(), fc.constantFrom("<", "&", "]]>", "<!DOCTYPE x>", "&amp;", "</member>", "<member>", "<x/>", "\u0000", "-1", "99999999999999999999", "<Priority>7</Priority>")) }),
        fc.record({ kind: fc.constant("repeat" as const), at: fc.nat(), len: fc.nat({ max: 80 }) }),
        fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
        fc.record({ kind: fc.constant("double" as const), at: fc.nat() }),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((edits) => {
      let s = source;
      for (const e of edits) {
        const at = e.at % (s.length + 1);
        if (e.kind === "cut") s = s.slice(0, at) + s.slice(at + e.len);
        else if (e.kind === "insert") s = s.slice(0, at) + e.text + s.slice(at);
        else if (e.kind === "repeat") s = s.slice(0, at) + s.slice(at, at + e.len) + s.slice(at);
        else {
          // Whole leaf elements: dropped (a required member goes missing) or doubled (repeated).
          const leaves = [...s.matchAll(/<([\w-]+)>[^<]*<\/\1>|<[\w-]+\/>/g)];
          const leaf = leaves[e.at % Math.max(1, leaves.length)];
          if (leaf) s = s.slice(0, leaf.index) + (e.kind === "double" ? leaf[0] + leaf[0] : "") + s.slice(leaf.index + leaf[0].length);
        }
      }
      return s;
    });

const segment = fc.oneof(fc.constant(JOB), fc.string({ maxLength: 40 }).map(encodeURIComponent), fc.constantFrom("", "%", "%ZZ", "..", "a".repeat(37)));
const path = fc.oneof(
  fc.constantFrom("/v20180820/jobs", "/v20180820/jobs/", "/v20180820", "/v20180820/", "/v20180820/accesspoint"),
  segment.map((id) => `/v20180820/jobs/${id}`),
  fc.tuple(segment, fc.constantFrom("priority", "status", "tagging", "other", "")).map(([id, tail]) => `/v20180820/jobs/${id}/${tail}`),
);
const queryValue = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom("Ready", "Cancelled", "Active", "0", "-1", "1000", "1001", "2147483648", JOB));
const query = fc
  .array(fc.tuple(fc.constantFrom("priority", "requestedJobStatus", "statusUpdateReason", "jobStatuses", "maxResults", "nextToken", "x-id"), queryValue), { maxLength: 4 })
  .map((pairs) => (pairs.length ? `?${new URLSearchParams(pairs).toString()}` : ""));
const account = fc.oneof(fc.constant(ACCOUNT), fc.constant(undefined), fc.string({ maxLength: 14 }), fc.stringMatching(/^\d{12}$/));
const body = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 200 }), mutated(VALID_CREATE), mutated(VALID_TAGS), fc.uint8Array({ maxLength: 64 }));
const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

describe("hostile requests", () => {
  it("never answer 5xx and never throw", async () => {
    const { handler, internal } = fetchHandler({ maxBodyBytes: 4096 });
    // One job exists, so that requests naming it reach the deeper paths.
    const seeded = await handler(new Request("http://h/v20180820/jobs", { method: "POST", body: VALID_CREATE, headers: { "x-amz-account-id": ACCOUNT } }));
    expect(seeded.status).toBe(200);

    await fc.assert(
      fc.asyncProperty(method, path, query, account, body, async (m, p, q, acct, b) => {
        const headers: Record<string, string> = {};
        if (acct !== undefined) {
          try {
            new Headers({ "x-amz-account-id": acct });
            headers["x-amz-account-id"] = acct;
          } catch {
            // not a value a client could send
          }
        }
        const withBody = m !== "GET" && m !== "HEAD" && b !== undefined;
        const res = await handler(new Request(`http://h${p}${q}`, { method: m, headers, body: withBody ? b : undefined }));
        expect(res.status).toBeLessThan(500);
        expect(res.status).toBeGreaterThanOrEqual(200);
        expect(res.headers.get("x-amz-request-id")).toMatch(/^[0-9A-F]{16}$/);
        const text = await res.text();
        if (res.status >= 400 && m !== "HEAD") expect(text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><ErrorResponse><Error><Code>\w+<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>/);
      }),
      { numRuns: 600 },
    );
    expect(internal).toEqual([]);
  });

  it("answer every mutated CreateJob with 200 or a 400 that names the problem", async () => {
    const { handler, internal } = fetchHandler();
    await fc.assert(
      fc.asyncProperty(mutated(VALID_CREATE), async (b) => {
        const res = await handler(new Request("http://h/v20180820/jobs", { method: "POST", body: b, headers: { "x-amz-account-id": ACCOUNT } }));
        const text = await res.text();
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) expect(text).toMatch(/<Message>[^<]{8,}<\/Message>/);
      }),
      { numRuns: 600 },
    );
    expect(internal).toEqual([]);
  });
});
