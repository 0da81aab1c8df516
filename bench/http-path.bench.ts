/**
 * batchplane's own share of a DescribeJob through the node handler, without sockets: the
 * handler is called with a stand-in request and response, so what is timed is the adapter, the
 * dialect, the signature check and the store, not node:http. CPU microseconds per request,
 * unsigned and signed; on a loaded machine these move far less than the socket benchmark's
 * rates, and a `--cpu-prof` of this script shows the path alone:
 *
 *   npx tsx bench/http-path.bench.ts
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/http-path.bench.ts
 *
 * Options: BENCH_PATH_REQUESTS (default 100000 a measurement), BENCH_PATH_ONLY=unsigned|signed.
 */
import { EventEmitter } from "node:events";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import { KEYS, Sha256 } from "../test/support/signed.js";
import { s3ControlDialect } from "../dialects/s3-control/index.js";
import { JobService } from "../src/core/jobs/job-service.js";
import { createNodeHandler, type NodeHandler } from "../src/server/node-handler.js";
import { MemoryJobStore } from "../src/stores/memory-job-store.js";
import { CREATE_JOB } from "./http-job.js";

const N = Number(process.env.BENCH_PATH_REQUESTS ?? 100_000);
const ONLY = process.env.BENCH_PATH_ONLY;
const ACCOUNT = "123456789012";
const HOST = "127.0.0.1:5555";

/** One request through the handler, with the few members of req and res it uses. */
function call(handler: NodeHandler, method: string, url: string, headers: IncomingHttpHeaders, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = Object.assign(new EventEmitter(), { method, url, headers, socket: {} }) as unknown as IncomingMessage;
    let status = 0;
    const res = Object.assign(new EventEmitter(), {
      headersSent: false,
      writeHead(s: number) {
        status = s;
        res.headersSent = true;
      },
      end(b?: string | Uint8Array) {
        res.emit("finish");
        resolve({ status, body: b === undefined ? "" : Buffer.from(b).toString("utf8") });
      },
    });
    handler(req, res as unknown as ServerResponse);
    if (body !== undefined) req.emit("data", Buffer.from(body));
    req.emit("end");
  });
}

const jobs = new JobService({ store: new MemoryJobStore() });
const unsigned = createNodeHandler({ jobs, dialects: [s3ControlDialect()] });
const signed = createNodeHandler({ jobs, dialects: [s3ControlDialect()], credentials: [KEYS.s3] });

const created = await call(unsigned, "POST", "/v20180820/jobs", { host: HOST, "x-amz-account-id": ACCOUNT, "content-length": String(CREATE_JOB.length) }, CREATE_JOB);
const jobId = /<JobId>([^<]+)<\/JobId>/.exec(created.body)![1]!;
const path = `/v20180820/jobs/${jobId}`;
const signer = new SignatureV4({ credentials: KEYS.s3, region: "us-east-1", service: "s3", sha256: Sha256, uriEscapePath: false });
const signedRequest = await signer.sign({
  method: "GET",
  protocol: "http:",
  hostname: "127.0.0.1",
  port: 5555,
  path,
  query: {},
  headers: { host: HOST, "x-amz-account-id": ACCOUNT, "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
});
const signedHeaders: IncomingHttpHeaders = { connection: "keep-alive", ...(signedRequest.headers as Record<string, string>) };
const unsignedHeaders: IncomingHttpHeaders = { host: HOST, connection: "keep-alive", "x-amz-account-id": ACCOUNT };
for (const [handler, headers] of [
  [unsigned, unsignedHeaders],
  [signed, signedHeaders],
] as const) {
  const check = await call(handler, "GET", path, headers);
  if (check.status !== 200) throw new Error(`DescribeJob answered ${check.status}: ${check.body}`);
}

async function measure(name: string, handler: NodeHandler, headers: IncomingHttpHeaders): Promise<void> {
  // Node hands every request a fresh header object: so does this.
  for (let i = 0; i < N / 5; i++) await call(handler, "GET", path, { ...headers });
  const before = process.cpuUsage();
  for (let i = 0; i < N; i++) await call(handler, "GET", path, { ...headers });
  const cpu = process.cpuUsage(before);
  console.log(`http path ${name}: ${((cpu.user + cpu.system) / N).toFixed(2)} us CPU a DescribeJob`);
}

for (let round = 0; round < 2; round++) {
  if (ONLY !== "signed") await measure("unsigned", unsigned, unsignedHeaders);
  if (ONLY !== "unsigned") await measure("signed", signed, signedHeaders);
}
