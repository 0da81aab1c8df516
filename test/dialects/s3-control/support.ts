import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { localEndpointConfig, s3ControlDialect } from "../../../dialects/s3-control/index.js";
import { JobService } from "../../../src/index.js";
import { ManualClock } from "../../../src/core/clock.js";
import { SequentialIds } from "../../../src/core/ids.js";
import { createFetchHandler, createNodeHandler } from "../../../src/server/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";

export const ACCOUNT = "123456789012";
export const OTHER_ACCOUNT = "210987654321";
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/S3BatchJobRole`;

let seq = 0;
/** Predictable request ids, so that a test can tell which response carried which. */
export function countingIds() {
  return () => {
    seq += 1;
    const n = seq.toString(16).toUpperCase().padStart(16, "0");
    return { requestId: n, hostId: Buffer.from(`host-${n}`).toString("base64") };
  };
}

export function newJobs(clock = new ManualClock(Date.UTC(2026, 0, 1, 12, 0, 0, 250))) {
  return { jobs: new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() }), clock };
}

/** An in-process node:http server with the S3 Control dialect, and SDK clients pointed at it. */
export async function startServer(options: { maxBodyBytes?: number; retentionMs?: number } = {}) {
  const { jobs, clock } = newJobs();
  const internal: unknown[] = [];
  const dialect = s3ControlDialect({ requestIds: countingIds(), retentionMs: options.retentionMs, onInternalError: (e) => internal.push(e) });
  const handler = createNodeHandler({ jobs, dialects: [dialect], maxBodyBytes: options.maxBodyBytes });
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: S3ControlClient[] = [];
  return {
    url,
    jobs,
    clock,
    internal,
    client(region = "us-east-1") {
      const c = new S3ControlClient({ ...localEndpointConfig(url, { region }), maxAttempts: 1 });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export function fetchHandler(options: { maxBodyBytes?: number } = {}) {
  const { jobs, clock } = newJobs();
  const internal: unknown[] = [];
  const handler = createFetchHandler({
    jobs,
    dialects: [s3ControlDialect({ requestIds: countingIds(), onInternalError: (e) => internal.push(e) })],
    maxBodyBytes: options.maxBodyBytes,
  });
  return { handler, jobs, clock, internal };
}

/** A CreateJob input the SDK accepts: tag every object listed in a CSV manifest. */
export function tagJobInput(overrides: Record<string, unknown> = {}) {
  return {
    AccountId: ACCOUNT,
    ConfirmationRequired: false,
    Operation: { S3PutObjectTagging: { TagSet: [{ Key: "confidential", Value: "true" }] } },
    Report: { Bucket: "arn:aws:s3:::reports", Format: "Report_CSV_20180820" as const, Enabled: true, Prefix: "batch-op", ReportScope: "AllTasks" as const },
    Manifest: {
      Spec: { Format: "S3BatchOperations_CSV_20180820" as const, Fields: ["Bucket" as const, "Key" as const] },
      Location: { ObjectArn: "arn:aws:s3:::manifests/m.csv", ETag: "69f52a4e9f797e987155d9c8f5880897" },
    },
    Priority: 42,
    RoleArn: ROLE,
    ...overrides,
  };
}
