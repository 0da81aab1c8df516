import { describe, expect, it } from "vitest";
import { problemOf, STATUS, transportProblem } from "../../../dialects/cos/errors.js";
import { cosDialect } from "../../../dialects/cos/index.js";
import { parseXml, XmlShapeError, XmlSyntaxError } from "../../../dialects/xml/index.js";
import {
  ActionNotAllowedError,
  ConcurrentUpdateError,
  StoreUnavailableError,
  IdempotencyConflictError,
  InvalidArgumentError,
  InvalidTransitionError,
  JobNotFoundError,
  JobService,
  TooManyTagsError,
  type DomainError,
  type DomainErrorKind,
} from "../../../src/index.js";
import { createFetchHandler } from "../../../src/server/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";
import { CREATE_COPY_DCJ } from "./examples.js";
import { APPID, BASE, countingIds, element, fetchRig, jobIdOf } from "./support.js";

const head = (path: string, headers: Record<string, string> = {}, method = "GET") => ({ method, url: new URL(`${BASE}${path}`), headers: new Headers(headers) });

describe("what the dialect claims", () => {
  const d = cosDialect();
  it.each([
    ["/jobs", {}, true],
    ["/jobs/53dc6228-c50b-46f7-8ad7-65e7159f1aae/status", { authorization: "q-sign-algorithm=sha1&q-ak=AKID" }, true],
    ["/jobs/anything/at/all", {}, true],
    ["/jobsx", {}, false],
    ["/v20180820/jobs", { "x-amz-account-id": "123456789012" }, false],
    ["/", {}, false],
    // A path-style S3 or OSS request for an object in a bucket called "jobs" is not COS's.
    ["/jobs/photo.jpg", { "x-amz-content-sha256": "UNSIGNED-PAYLOAD" }, false],
    ["/jobs/photo.jpg", { authorization: "AWS4-HMAC-SHA256 Credential=..." }, false],
    ["/jobs/photo.jpg", { authorization: "OSS4-HMAC-SHA256 Credential=..." }, false],
    ["/jobs/photo.jpg", { "x-oss-date": "20240101T000000Z" }, false],
  ] as const)("%s %j → %s", (path, headers, claimed) => {
    expect(d.claims(head(path, headers))).toBe(claimed);
  });
});

describe("the error table", () => {
  const samples: Record<DomainErrorKind, DomainError> = {
    JobNotFound: new JobNotFoundError("j"),
    InvalidArgument: new InvalidArgumentError("tags", "bad"),
    InvalidTransition: new InvalidTransitionError("j", "Active", "Ready"),
    ActionNotAllowed: new ActionNotAllowedError("j", "Active", "delete"),
    IdempotencyConflict: new IdempotencyConflictError("t", "j"),
    TooManyTags: new TooManyTagsError(51, 50),
    ConcurrentUpdate: new ConcurrentUpdateError("j"),
    StoreUnavailable: new StoreUnavailableError("the job store at j is unavailable"),
  };

  it("gives every domain error kind a COS code; only a lost write race is a 5xx (the SDKs retry it)", () => {
    const expected: Record<DomainErrorKind, string> = {
      JobNotFound: "NoSuchJob",
      InvalidArgument: "InvalidArgument",
      InvalidTransition: "InvalidRequest",
      ActionNotAllowed: "InvalidRequest",
      IdempotencyConflict: "InvalidRequest",
      TooManyTags: "InvalidArgument",
      ConcurrentUpdate: "ServiceUnavailable",
      StoreUnavailable: "ServiceUnavailable",
    };
    for (const [kind, error] of Object.entries(samples) as [DomainErrorKind, DomainError][]) {
      const p = problemOf(error, "DescribeJob");
      expect(p.code, kind).toBe(expected[kind]);
      expect(STATUS[p.code] >= 500, kind).toBe(kind === "ConcurrentUpdate" || kind === "StoreUnavailable");
      expect(p.message, kind).toContain(kind === "InvalidArgument" ? "Invalid tags: bad" : "j");
    }
  });

  it("maps XML failures to MalformedXML and the unknown to InternalError without its details", () => {
    let syntax: unknown;
    try {
      parseXml("<a>");
    } catch (e) {
      syntax = e;
    }
    expect(syntax).toBeInstanceOf(XmlSyntaxError);
    expect(problemOf(syntax).code).toBe("MalformedXML");
    expect(problemOf(new XmlShapeError("R/X", "is required"))).toEqual({ code: "MalformedXML", message: "The XML you provided does not match the schema: R/X is required" });
    expect(problemOf(new TypeError("secret stack detail"))).toEqual({ code: "InternalError", message: "We encountered an internal error. Please try again." });
  });

  it("renders transport problems in the COS envelope", () => {
    const d = cosDialect({ ids: countingIds() });
    expect(transportProblem({ kind: "unreadableBody", message: "aborted" })).toEqual({ code: "InvalidRequest", message: "The request body could not be read: aborted" });
    const res = d.reject(head("/jobs", {}, "POST"), { kind: "unreadableBody", message: "aborted" });
    expect(res.status).toBe(400);
    expect(res.headers).toMatchObject({ "content-type": "application/xml", "x-cos-request-id": "req-1", "x-cos-trace-id": "trace-1" });
    expect(element(String(res.body), "Code")).toBe("InvalidRequest");
  });

  it("refuses a body over the server's limit with EntityTooLarge", async () => {
    const { jobs } = fetchRig();
    const handler = createFetchHandler({ jobs, dialects: [cosDialect()], maxBodyBytes: 100 });
    const res = await handler(new Request(`${BASE}/jobs`, { method: "POST", headers: { "x-cos-appid": APPID }, body: CREATE_COPY_DCJ }));
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(element(text, "Code")).toBe("EntityTooLarge");
    expect(element(text, "Message")).toBe("The request body exceeds the maximum of 100 bytes");
  });

  it("answers a failing store with InternalError 500, and a write race lost every time with ServiceUnavailable 503", async () => {
    class FlakyStore extends MemoryJobStore {
      failTokens = false;
      loseWrites = false;
      override async findByToken(...args: Parameters<MemoryJobStore["findByToken"]>) {
        if (this.failTokens) throw new Error("disk on fire");
        return super.findByToken(...args);
      }
      override async replace(...args: Parameters<MemoryJobStore["replace"]>) {
        return this.loseWrites ? false : super.replace(...args);
      }
    }
    const store = new FlakyStore();
    const jobs = new JobService({ store, maxWriteAttempts: 3 });
    const handler = createFetchHandler({ jobs, dialects: [cosDialect()] });
    const call = async (method: string, path: string, body?: string) => {
      const res = await handler(new Request(`${BASE}${path}`, { method, headers: { "x-cos-appid": APPID }, body }));
      return { status: res.status, text: await res.text() };
    };
    const id = jobIdOf((await call("POST", "/jobs", CREATE_COPY_DCJ)).text);

    store.failTokens = true;
    const failed = await call("POST", "/jobs", CREATE_COPY_DCJ.replace("184ce261", "284ce261"));
    expect([failed.status, element(failed.text, "Code"), element(failed.text, "Message")]).toEqual([500, "InternalError", "We encountered an internal error. Please try again."]);

    store.loseWrites = true;
    const lost = await call("POST", `/jobs/${id}/priority?priority=5`);
    expect([lost.status, element(lost.text, "Code")]).toEqual([503, "ServiceUnavailable"]);
    expect(element(lost.text, "Message")).toMatch(/is being changed by another writer; try again/);
  });
});
