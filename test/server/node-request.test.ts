import { request as httpRequest, createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeHandler } from "../../src/server/index.js";
import { defaultDialects } from "../../src/server/default-dialects.js";
import { NodeHeaders, toHeaders } from "../../src/server/node-headers.js";
import { hasBody, NodeRequest } from "../../src/server/node-request.js";
import { newService } from "../support/jobs.js";

/**
 * The Node adapter reads a request in place (headers off node's own object, the URL parsed only
 * when asked for); what a dialect sees must be what a WHATWG copy would have shown it.
 */

const token = fc.stringMatching(/^[a-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
/** Values as node:http leaves them: trimmed, no control characters. */
const value = fc.stringMatching(/^[\x21-\x7e\xa0-\xff]([\x20-\x7e\xa0-\xff]{0,20}[\x21-\x7e\xa0-\xff])?$/);
const rawHeaders = fc.dictionary(token, fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 })), { maxKeys: 8 }).map((d) => {
  // node:http gives an array only for set-cookie; every other repeat arrives joined.
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(d)) out[k] = Array.isArray(v) && k !== "set-cookie" ? v.join(", ") : v;
  return out;
});

function fakeRequest(headers: IncomingHttpHeaders, url = "/v20180820/jobs?x=1", method = "get"): IncomingMessage {
  return { headers, url, method } as IncomingMessage;
}

describe("NodeHeaders", () => {
  it("answers get and has as a WHATWG Headers copy of the same headers does, and iterates alike", () => {
    fc.assert(
      fc.property(rawHeaders, fc.array(token, { maxLength: 4 }), (raw, others) => {
        const view = new NodeHeaders(raw);
        const copy = toHeaders(raw);
        for (const name of [...Object.keys(raw), ...others, "set-cookie"]) {
          expect(view.get(name)).toBe(copy.get(name));
          expect(view.get(name.toUpperCase())).toBe(copy.get(name.toUpperCase()));
          expect(view.has(name)).toBe(copy.has(name));
        }
        expect([...view]).toEqual([...copy]);
        expect([...view.keys()]).toEqual([...copy.keys()]);
        expect(view.getSetCookie()).toEqual(copy.getSetCookie());
      }),
    );
  });

  it("does not mistake the header object's inherited members for headers", () => {
    const view = new NodeHeaders({ host: "h" });
    for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
      expect(view.get(name)).toBeNull();
      expect(view.has(name)).toBe(false);
    }
  });

  it("takes a change as a Headers would, without touching node's object", () => {
    const raw: IncomingHttpHeaders = { host: "h", "x-a": "1" };
    const view = new NodeHeaders(raw);
    view.set("x-a", "2");
    view.append("x-b", "3");
    view.delete("host");
    expect([...view]).toEqual([
      ["x-a", "2"],
      ["x-b", "3"],
    ]);
    expect(raw).toEqual({ host: "h", "x-a": "1" });
    // A real Headers accepts it as its init (the admin API builds a Request from it).
    expect(new Headers(view).get("x-b")).toBe("3");
  });
});

describe("NodeRequest", () => {
  it("parses the URL once, when asked for, and a spread copy carries it", () => {
    const request = new NodeRequest(fakeRequest({ host: "123456789012.localhost:9090" }, "/v20180820/jobs/x?maxResults=1"));
    expect(request.parsedUrl).toBeUndefined();
    expect(request.method).toBe("GET");
    expect(request.path).toBe("/v20180820/jobs/x");
    expect(request.url.hostname).toBe("123456789012.localhost");
    expect(request.url).toBe(request.url);
    const copy = { ...request, principal: { accessKeyId: "k", account: "a" } };
    expect(copy.url.searchParams.get("maxResults")).toBe("1");
    expect(copy.path).toBe("/v20180820/jobs/x");
  });

  it("expects a body only with a Content-Length above 0 or a Transfer-Encoding", () => {
    expect(hasBody(fakeRequest({}))).toBe(false);
    expect(hasBody(fakeRequest({ "content-length": "0" }))).toBe(false);
    expect(hasBody(fakeRequest({ "content-length": "12" }))).toBe(true);
    expect(hasBody(fakeRequest({ "transfer-encoding": "chunked" }))).toBe(true);
  });
});

describe("the Node handler over a socket", () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer(createNodeHandler({ jobs: newService().service, dialects: defaultDialects() }));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  function send(method: string, path: string, headers: Record<string, string>, body?: string) {
    return new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode!, type: res.headers["content-type"], body: text }));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  it("reaches the admin API through dot segments, as the URL resolves them", async () => {
    const res = await send("GET", "/x/../_batchplane/api/jobs", {});
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/json/);
  });

  it("routes on the request target, not on a Host header that spells the admin prefix", async () => {
    const res = await send("GET", "/v20180820/jobs", { host: "h/_batchplane/api", "x-amz-account-id": "123456789012" });
    expect(res.status).toBe(200);
    expect(res.body).toContain("<ListJobsResult");
  });

  it("answers a request without a body at once, and still reads one that has a body (chunked too)", async () => {
    const listed = await send("GET", "/v20180820/jobs", { "x-amz-account-id": "123456789012" });
    expect(listed.status).toBe(200);
    const chunked = await send("PUT", "/v20180820/jobs/bogus-id-0000/tagging", { "x-amz-account-id": "123456789012", "transfer-encoding": "chunked" }, "<Tagging/>");
    // The body was read and parsed: the error names its root element, not an empty body.
    expect(chunked.status).toBe(400);
    expect(chunked.body).toContain("Tagging: the root element must be &lt;PutJobTaggingRequest&gt;");
  });
});
