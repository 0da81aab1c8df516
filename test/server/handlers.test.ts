import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Dialect, RequestHead, TransportProblem, WireRequest } from "../../dialects/dialect.js";
import { DEFAULT_POLICY } from "../../src/core/jobs/policy.js";
import { createFetchHandler, createNodeHandler, requestUrl } from "../../src/server/index.js";
import { newService } from "../support/jobs.js";

/** A dialect that echoes what it was given, so the tests can see what the server passed on. */
function echoDialect(): Dialect & { seen: WireRequest[]; problems: TransportProblem[] } {
  const seen: WireRequest[] = [];
  const problems: TransportProblem[] = [];
  return {
    name: "echo",
    policy: { ...DEFAULT_POLICY, name: "echo" },
    seen,
    problems,
    claims: (h: RequestHead) => h.url.pathname.startsWith("/echo"),
    async handle(req) {
      seen.push(req);
      if (req.url.pathname === "/echo/crash") throw new Error("boom");
      return { status: 200, headers: { "x-echo": "1" }, body: `${req.method} ${req.url.host} ${new TextDecoder().decode(req.body)}` };
    },
    reject(_head, problem) {
      problems.push(problem);
      return { status: problem.kind === "internal" ? 500 : 400, headers: { "x-echo": "1" }, body: problem.kind };
    },
  };
}

describe("fetch handler", () => {
  it("hands a claimed request with its body to the dialect", async () => {
    const d = echoDialect();
    const handler = createFetchHandler({ jobs: newService().service, dialects: [d] });
    const res = await handler(new Request("http://h:1/echo", { method: "POST", body: "hello" }));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("POST h:1 hello");
    expect(res.headers.get("x-echo")).toBe("1");
  });

  it("answers 404 for what no dialect claims", async () => {
    const handler = createFetchHandler({ jobs: newService().service, dialects: [echoDialect()] });
    const res = await handler(new Request("http://h/elsewhere"));
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/no API answers GET \/elsewhere/);
  });

  it("refuses a body over the limit through the dialect, declared or streamed", async () => {
    const d = echoDialect();
    const handler = createFetchHandler({ jobs: newService().service, dialects: [d], maxBodyBytes: 10 });
    const declared = await handler(new Request("http://h/echo", { method: "POST", body: "x".repeat(11) }));
    expect(declared.status).toBe(400);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode("x".repeat(8)));
        c.enqueue(new TextEncoder().encode("x".repeat(8)));
        c.close();
      },
    });
    const streamed = await handler(new Request("http://h/echo", { method: "POST", body: stream, duplex: "half" } as RequestInit));
    expect(streamed.status).toBe(400);
    expect(d.problems).toEqual([
      { kind: "bodyTooLarge", limitBytes: 10 },
      { kind: "bodyTooLarge", limitBytes: 10 },
    ]);
    expect(d.seen).toEqual([]);
  });

  it("answers a dialect's crash in the dialect's envelope", async () => {
    const d = echoDialect();
    const handler = createFetchHandler({ jobs: newService().service, dialects: [d] });
    const res = await handler(new Request("http://h/echo/crash"));
    expect(res.status).toBe(500);
    expect(d.problems[0]).toMatchObject({ kind: "internal" });
  });

  it("registers each dialect's policy with the job service", () => {
    const { service } = newService();
    createFetchHandler({ jobs: service, dialects: [echoDialect()] });
    expect(service.policyFor("echo").name).toBe("echo");
  });
});

describe("node handler", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function listen(handler: ReturnType<typeof createNodeHandler>, fallback?: boolean) {
    server = createServer((req, res) =>
      fallback
        ? handler(req, res, () => {
            res.statusCode = 418;
            res.end("host app");
          })
        : handler(req, res),
    );
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    return (server.address() as AddressInfo).port;
  }

  it("serves through node:http and lets unclaimed requests fall through to next()", async () => {
    const port = await listen(createNodeHandler({ jobs: newService().service, dialects: [echoDialect()] }), true);
    const mine = await fetch(`http://127.0.0.1:${port}/echo`, { method: "PUT", body: "b" });
    expect(await mine.text()).toBe(`PUT 127.0.0.1:${port} b`);
    const theirs = await fetch(`http://127.0.0.1:${port}/other`);
    expect(theirs.status).toBe(418);
    expect(await theirs.text()).toBe("host app");
  });

  it("accepts absolute-form request targets, as proxies send them", async () => {
    const d = echoDialect();
    const port = await listen(createNodeHandler({ jobs: newService().service, dialects: [d] }));
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.write(`GET http://123456789012.localhost:${port}/echo?x=1 HTTP/1.1\r\nHost: 123456789012.localhost:${port}\r\nConnection: close\r\n\r\n`);
      });
      let data = "";
      socket.on("data", (c) => (data += c));
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
    expect(raw).toMatch(/^HTTP\/1.1 200/);
    expect(d.seen[0]!.url.href).toBe(`http://123456789012.localhost:${port}/echo?x=1`);
  });

  it("refuses a body over the limit and still answers", async () => {
    const d = echoDialect();
    const port = await listen(createNodeHandler({ jobs: newService().service, dialects: [d], maxBodyBytes: 100 }));
    const res = await fetch(`http://127.0.0.1:${port}/echo`, { method: "POST", body: "x".repeat(5000) });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("bodyTooLarge");
  });

  it("keeps serving when the access-log callback throws", async () => {
    const onResponse = () => {
      throw new Error("logger down");
    };
    const port = await listen(createNodeHandler({ jobs: newService().service, dialects: [echoDialect()], onResponse }));
    for (let i = 0; i < 2; i++) expect((await fetch(`http://127.0.0.1:${port}/echo`)).status).toBe(200);
    const handler = createFetchHandler({ jobs: newService().service, dialects: [echoDialect()], onResponse });
    expect((await handler(new Request("http://h/echo"))).status).toBe(200);
  });

  it("reads targets with odd hosts without throwing", () => {
    expect(requestUrl("/a?b", "bad host^").href).toBe("http://localhost/a?b");
    expect(requestUrl("http://x:1/p", undefined).href).toBe("http://x:1/p");
    expect(requestUrl("*", "h").pathname).toBe("/*");
  });
});
