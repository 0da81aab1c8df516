import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { DescribeJobCommand, ListJobsCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import COS from "cos-nodejs-sdk-v5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../../dialects/s3-control/index.js";
import { JobService, StoreUnavailableError } from "../../../src/index.js";
import { createFetchHandler, createNodeHandler, defaultDialects } from "../../../src/server/index.js";
import { PostgresJobStore } from "../../../src/stores/postgres/index.js";
import { APPID, BASE } from "../../dialects/cos/support.js";
import { HOST as OSS_HOST, ossError, V1_AUTH } from "../../dialects/oss/harness.js";
import { startPostgres, type PostgresCluster } from "../../support/postgres.js";

/**
 * PostgreSQL down or silent: every call of the store rejects with the core's StoreUnavailableError
 * within its timeout, and every dialect answers its own 503, never a hang or a bare 500.
 */
let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(() => cluster?.stop());

const ACCOUNT = "123456789012";
const JOB = "00000000-0000-4000-8000-000000000001";
const OSS_JOB = `${"a".repeat(43)}=`;

/** One server with every dialect over `store`, and each provider's client pointed at it. */
async function rig(store: PostgresJobStore) {
  const jobs = new JobService({ store });
  const server: Server = createHttpServer(createNodeHandler({ jobs, dialects: defaultDialects() }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const s3 = new S3ControlClient({ ...localEndpointConfig(`http://127.0.0.1:${port}`), maxAttempts: 1 });
  const cos = new COS({ SecretId: "AKIDexampleexampleexample", SecretKey: "exampleSecretKeyexampleSecretKey", Ip: `127.0.0.1:${port}` });
  const fetchHandler = createFetchHandler({ jobs, dialects: defaultDialects() });
  const oss = (target: string) => fetchHandler(new Request(`http://${OSS_HOST}${target}`, { headers: { authorization: V1_AUTH } }));
  const cosGet = (path: string) => cos.request({ Method: "GET", Url: `${BASE}${path}`, Headers: { "x-cos-appid": APPID } });
  return {
    s3,
    oss,
    cosGet,
    async close() {
      s3.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await store.close();
    },
  };
}

type Rig = Awaited<ReturnType<typeof rig>>;

/** Each dialect's answer to a ListJobs and a DescribeJob while the store is unavailable. */
async function expect503s(r: Rig): Promise<void> {
  for (const command of [new ListJobsCommand({ AccountId: ACCOUNT }), new DescribeJobCommand({ AccountId: ACCOUNT, JobId: JOB })]) {
    const err = (await r.s3.send(command as ListJobsCommand).catch((e) => e)) as { name: string; $fault: string; $metadata: { httpStatusCode: number }; message: string };
    expect(err.name).toBe("InternalServiceException");
    expect(err.$fault).toBe("server");
    expect(err.$metadata.httpStatusCode).toBe(503);
    expect(err.message).toMatch(/job store \(PostgreSQL\)/);
  }
  for (const target of ["/?batchJob", `/?batchJob&batchJobId=${OSS_JOB}`]) {
    const e = await ossError(await r.oss(target));
    expect([e.status, e.code, e.ec, e.ecHeader]).toEqual([503, "ServiceUnavailable", "0017-99990014", "0017-99990014"]);
    expect(e.message).toMatch(/^The service is unavailable\. Please try again later\. .*PostgreSQL/);
  }
  for (const path of ["/jobs", `/jobs/${JOB}`]) {
    const err = (await r.cosGet(path).catch((e) => e)) as { statusCode: number; code: string; message: string };
    expect([err.statusCode, err.code]).toEqual([503, "ServiceUnavailable"]);
    expect(err.message).toMatch(/PostgreSQL/);
  }
}

describe("PostgreSQL stopped under a running store", () => {
  it("rejects every call with StoreUnavailableError; each dialect answers its 503; all is well once it is back", async () => {
    const store = new PostgresJobStore({ connectionString: cluster.url, schema: "faults_stopped", callTimeoutMs: 2_000, connectTimeoutMs: 1_000 });
    const r = await rig(store);
    try {
      expect((await r.s3.send(new ListJobsCommand({ AccountId: ACCOUNT }))).Jobs ?? []).toEqual([]);
      await cluster.halt();
      await expect(store.get(JOB)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.list({ tenant: { dialect: "x", account: "a", region: "" }, limit: 1 })).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect503s(r);
      await cluster.resume();
      expect((await r.s3.send(new ListJobsCommand({ AccountId: ACCOUNT }))).Jobs ?? []).toEqual([]);
      expect((await r.oss("/?batchJob")).status).toBe(200);
      expect((await r.cosGet("/jobs")).statusCode).toBe(200);
    } finally {
      await cluster.resume().catch(() => undefined);
      await r.close();
    }
  }, 120_000);

  it("answers a 503 to the first request when the database was never reachable, and opens once it is", async () => {
    await cluster.halt();
    const store = new PostgresJobStore({ connectionString: cluster.url, schema: "faults_never", callTimeoutMs: 2_000, connectTimeoutMs: 1_000 });
    const r = await rig(store);
    try {
      await expect503s(r);
      await cluster.resume();
      expect((await r.s3.send(new ListJobsCommand({ AccountId: ACCOUNT }))).Jobs ?? []).toEqual([]);
    } finally {
      await cluster.resume().catch(() => undefined);
      await r.close();
    }
  }, 120_000);
});

describe("a database that accepts connections and never answers", () => {
  let silent: ReturnType<typeof createTcpServer>;
  const sockets: Socket[] = [];
  let url: string;
  beforeAll(async () => {
    silent = createTcpServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    url = `postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/postgres`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it("gets each dialect's 503 within the call timeout, never a hang", async () => {
    const store = new PostgresJobStore({ connectionString: url, schema: "faults_silent", callTimeoutMs: 500, connectTimeoutMs: 300 });
    const r = await rig(store);
    try {
      const started = Date.now();
      await expect(store.get(JOB)).rejects.toBeInstanceOf(StoreUnavailableError);
      // Bounded by the timeouts (not asserting speed: asserting that it returns at all).
      expect(Date.now() - started).toBeLessThan(10_000);
      await expect503s(r);
    } finally {
      await r.close();
    }
  }, 120_000);

  it("also when it is the caller's own pool, which has no timeouts of its own", async () => {
    const pg = (await import("pg")).default;
    const pool = new pg.Pool({ connectionString: url });
    pool.on("error", () => {});
    const store = new PostgresJobStore({ pool, schema: "faults_pool", callTimeoutMs: 500 });
    await expect(store.get(JOB)).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.close();
    for (const s of sockets) s.destroy();
    await pool.end();
  }, 60_000);
});
