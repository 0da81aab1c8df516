/**
 * The two servers `http.bench.ts` compares, run in a child process so that they get a core of
 * their own while the client runs on the other: batchplane (node handler, S3 Control dialect,
 * in-memory job store) with one job, and a bare node:http server that answers every request with
 * the bytes batchplane gave for DescribeJob of that job; and batchplane again with signatures
 * checked (credentials on), for which it signs one DescribeJob with the AWS SDK's SigV4 signer.
 * The client replays those headers (a signature holds for 15 minutes): every request is still
 * verified in full, only the signing is left out of the client's time.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SignatureV4 } from "@smithy/signature-v4";
import { KEYS, Sha256 } from "../test/support/signed.js";
import { s3ControlDialect } from "../dialects/s3-control/index.js";
import { JobService } from "../src/core/jobs/job-service.js";
import { createNodeHandler } from "../src/server/node-handler.js";
import { MemoryJobStore } from "../src/stores/memory-job-store.js";
import { CREATE_JOB } from "./http-job.js";

const ACCOUNT = "123456789012";

async function listen(server: ReturnType<typeof createServer>): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

const jobs = new JobService({ store: new MemoryJobStore() });
const handler = createNodeHandler({ jobs, dialects: [s3ControlDialect()] });
const batchplane = createServer(handler);
const batchplanePort = await listen(batchplane);

const created = await fetch(`http://127.0.0.1:${batchplanePort}/v20180820/jobs`, { method: "POST", body: CREATE_JOB, headers: { "x-amz-account-id": ACCOUNT } });
const jobId = /<JobId>([^<]+)<\/JobId>/.exec(await created.text())![1]!;
const path = `/v20180820/jobs/${jobId}`;
const sample = await fetch(`http://127.0.0.1:${batchplanePort}${path}`, { headers: { "x-amz-account-id": ACCOUNT } });
if (sample.status !== 200) throw new Error(`DescribeJob answered ${sample.status}`);
const body = Buffer.from(await sample.arrayBuffer());
const headers = { "content-type": "application/xml", "x-amz-request-id": sample.headers.get("x-amz-request-id")!, "x-amz-id-2": sample.headers.get("x-amz-id-2")!, "content-length": String(body.byteLength) };

const bare = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, headers);
    res.end(body);
  });
});
const staticPort = await listen(bare);

// The same job behind a server that checks signatures: one store, so DescribeJob returns the same job.
const signed = createServer(createNodeHandler({ jobs, dialects: [s3ControlDialect()], credentials: [KEYS.s3] }));
const signedPort = await listen(signed);
const signer = new SignatureV4({ credentials: KEYS.s3, region: "us-east-1", service: "s3", sha256: Sha256, uriEscapePath: false });
const signedRequest = await signer.sign({
  method: "GET",
  protocol: "http:",
  hostname: "127.0.0.1",
  port: signedPort,
  path,
  query: {},
  headers: { host: `127.0.0.1:${signedPort}`, "x-amz-account-id": ACCOUNT, "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
});
const signedHeaders = signedRequest.headers as Record<string, string>;
const check = await fetch(`http://127.0.0.1:${signedPort}${path}`, { headers: signedHeaders });
if (check.status !== 200) throw new Error(`signed DescribeJob answered ${check.status}: ${await check.text()}`);
await check.arrayBuffer();

// The client asks for this process's CPU time around each measurement (only one server is loaded
// at a time, so the difference is that server's), and says when to stop (a --cpu-prof profile is
// written only on a clean exit).
process.on("message", (m: { cpu?: number; exit?: boolean }) => {
  if (m.exit) process.exit(0);
  const { user, system } = process.cpuUsage();
  process.send!({ cpu: m.cpu, micros: user + system, system });
});
process.send!({ batchplanePort, staticPort, signedPort, signedHeaders, path, account: ACCOUNT, bytes: body.byteLength });
