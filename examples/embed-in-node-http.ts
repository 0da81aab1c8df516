/**
 * batchplane inside an existing node:http server, as an emulator mounts it: the server keeps its
 * own routes (here `/health` and a toy `/objects/...` store), and every request batchplane does
 * not claim falls through to them via `next()`. The AWS SDK then talks to the one port.
 *
 * Run: `npx tsx examples/embed-in-node-http.ts` (it starts, demonstrates, and stops by itself).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateJobCommand, DescribeJobCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { localEndpointConfig, s3ControlDialect } from "../dialects/s3-control/index.js";
import { JobService, MemoryJobStore } from "../src/index.js";
import { createNodeHandler } from "../src/server/index.js";

// Off: the AWS SDK's notice that its 2027 releases need Node 22 (its documented switch, aws/aws-sdk-js-v3#7983).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export async function main(log: (line: string) => void = console.log) {
  // The emulator's own routes.
  const objects = new Map<string, string>();
  const ownRoutes = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === "/health") return res.end("ok\n");
    const key = req.url?.startsWith("/objects/") ? req.url.slice("/objects/".length) : undefined;
    if (key && req.method === "PUT") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        objects.set(key, body);
        res.end();
      });
      return;
    }
    res.statusCode = key && objects.has(key) ? 200 : 404;
    res.end(key ? objects.get(key) : "not found\n");
  };

  // batchplane, mounted in front of them.
  const jobs = new JobService({ store: new MemoryJobStore() });
  const batchplane = createNodeHandler({ jobs, dialects: [s3ControlDialect()] });
  const server = createServer((req, res) => batchplane(req, res, () => ownRoutes(req, res)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  try {
    const health = await (await fetch(`${url}/health`)).text();
    log(`GET /health -> ${health.trim()}`);

    const s3control = new S3ControlClient(localEndpointConfig(url));
    const { JobId } = await s3control.send(
      new CreateJobCommand({
        AccountId: "123456789012",
        ClientRequestToken: "embed-example",
        Priority: 10,
        RoleArn: "arn:aws:iam::123456789012:role/batch-operations",
        Operation: { S3PutObjectTagging: { TagSet: [{ Key: "reviewed", Value: "yes" }] } },
        Manifest: {
          Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
          Location: { ObjectArn: "arn:aws:s3:::manifests/photos.csv", ETag: "60e460c9d1046e73f7dde5043ac3ae85" },
        },
        Report: { Enabled: false },
      }),
    );
    const { Job } = await s3control.send(new DescribeJobCommand({ AccountId: "123456789012", JobId }));
    log(`CreateJob -> ${JobId}, DescribeJob -> ${Job?.Status}, confirmation required: ${Job?.ConfirmationRequired}`);
    s3control.destroy();
    return { jobId: JobId!, status: Job!.Status!, health: health.trim() };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// Run when executed directly; a test imports `main` instead.
if (import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
