import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ossDialect } from "../../../dialects/oss/index.js";
import { JobService } from "../../../src/index.js";
import { ManualClock } from "../../../src/core/clock.js";
import { createNodeHandler } from "../../../src/server/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";
import { elements, readSeed, seedExchange, type SeedExchange } from "../../support/seed-http.js";
import { QueuedIds } from "./harness.js";

/**
 * The seeds once more, as raw HTTP/1.1 over a socket to a node:http server on port 0: the Host
 * header is the document's own (oss-cn-hangzhou.aliyuncs.com) though the socket goes to 127.0.0.1.
 */
const createJob = seedExchange(readSeed("004_31b1e9b458d781a0.txt"));
const updateJobStatus = seedExchange(readSeed("000_ada2d004f621073e.txt"));

let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

async function listen(): Promise<number> {
  const jobs = new JobService({ store: new MemoryJobStore(), clock: new ManualClock(), ids: new QueuedIds(["34cde64d-7a69-4da1-91ff-ac69939a71ae"]) });
  server = createServer(createNodeHandler({ jobs, dialects: [ossDialect()] }));
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return (server!.address() as AddressInfo).port;
}

/** Writes the request as the document shows it (plus Content-Length and Connection: close). */
function exchange(port: number, req: SeedExchange["request"]): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const body = Buffer.from(req.body ?? "", "utf8");
  const head = [`${req.method} ${req.target} HTTP/1.1`, ...req.headers.map(([n, v]) => `${n}: ${v}`), `Content-Length: ${body.length}`, "Connection: close", "", ""].join("\r\n");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, "127.0.0.1", () => socket.end(Buffer.concat([Buffer.from(head, "latin1"), body])));
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", reject);
    socket.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const [top, ...rest] = raw.split("\r\n\r\n");
      const [statusLine, ...lines] = top!.split("\r\n");
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      resolve({ status: Number(statusLine!.split(" ")[1]), headers, body: rest.join("\r\n\r\n") });
    });
  });
}

describe("the OSS seeds over node:http", () => {
  it("creates the job of seed 004 and cancels it with seed 000's request, each answered as documented", async () => {
    const port = await listen();
    // Seed 000's job must exist under seed 000's credential: seed 004's body, seed 000's Authorization.
    const v1 = updateJobStatus.request.headers.find(([n]) => n === "Authorization")!;
    const created = await exchange(port, { ...createJob.request, headers: createJob.request.headers.map((h) => (h[0] === "Authorization" ? v1 : h)) });
    expect(created.status).toBe(createJob.response.status);
    expect(created.headers["content-type"]).toBe("application/xml");
    expect(created.headers["x-oss-request-id"]).toMatch(/^[0-9A-F]{24}$/);
    expect(elements(created.body)).toEqual(elements(createJob.response.body));

    const cancelled = await exchange(port, updateJobStatus.request);
    expect(cancelled.status).toBe(updateJobStatus.response.status);
    expect(elements(cancelled.body)).toEqual(elements(updateJobStatus.response.body));
  });

  it("answers seed 004's request verbatim, placeholder credential and all", async () => {
    const port = await listen();
    const res = await exchange(port, createJob.request);
    expect(res.status).toBe(200);
    expect(elements(res.body)).toEqual(elements(createJob.response.body));
  });
});
