import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import COS from "cos-nodejs-sdk-v5";
import { cosDialect } from "../../../dialects/cos/index.js";
import type { CosIds } from "../../../dialects/cos/request-ids.js";
import { JobService, type EngineEvent, type Job } from "../../../src/index.js";
import { ManualClock } from "../../../src/core/clock.js";
import { SequentialIds } from "../../../src/core/ids.js";
import { createFetchHandler, createNodeHandler } from "../../../src/server/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";

export const APPID = "1250000000";
export const HOST = "100000000001.cos-control.ap-chengdu.myqcloud.com";
export const BASE = `http://${HOST}`;

/** Request and trace ids that count, so that tests can see which response carried which. */
export function countingIds(): CosIds & { issued: string[] } {
  let n = 0;
  const issued: string[] = [];
  return {
    issued,
    requestId: () => {
      const id = `req-${++n}`;
      issued.push(id);
      return id;
    },
    traceId: () => `trace-${n}`,
  };
}

export function newJobs(clock = new ManualClock(Date.UTC(2019, 11, 19, 18, 0, 30))) {
  const store = new MemoryJobStore();
  const jobs = new JobService({ store, clock, ids: new SequentialIds() });
  return { jobs, store, clock };
}

/** The dialect behind the fetch handler, the way an embedding program mounts it. */
export function fetchRig() {
  const { jobs, store, clock } = newJobs();
  const ids = countingIds();
  const handler = createFetchHandler({ jobs, dialects: [cosDialect({ ids })] });
  const send = async (method: string, path: string, init: { headers?: Record<string, string>; body?: string; appid?: string | null } = {}) => {
    const headers: Record<string, string> = { ...(init.appid === null ? {} : { "x-cos-appid": init.appid ?? APPID }), ...init.headers };
    const res = await handler(new Request(`${BASE}${path}`, { method, headers, body: init.body }));
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  return { jobs, store, clock, ids, handler, send };
}

/** A real node:http server on 127.0.0.1, port 0, and a COS SDK client pointed at it. */
export async function sdkRig(options: { jobs?: JobService } = {}) {
  const jobs = options.jobs ?? newJobs().jobs;
  const hits: { method: string; url: string; headers: Record<string, string | string[] | undefined> }[] = [];
  const handler = createNodeHandler({ jobs, dialects: [cosDialect()] });
  const server: Server = createServer((req, res) => {
    hits.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  // Ip sends the request to the local server while the URL (and the signed Host) stay the
  // cos-control host, as a user of the real service writes it.
  const cos = new COS({ SecretId: "AKIDexampleexampleexample", SecretKey: "exampleSecretKeyexampleSecretKey", Ip: `127.0.0.1:${port}` });
  const request = (method: string, path: string, params: { query?: Record<string, string>; body?: string; appid?: string | null; headers?: Record<string, string> } = {}) =>
    cos.request({
      Method: method,
      Url: `${BASE}${path}`,
      Query: params.query,
      Body: params.body,
      Headers: { ...(params.appid === null ? {} : { "x-cos-appid": params.appid ?? APPID }), ...params.headers },
    });
  const close = () => new Promise<void>((r) => server.close(() => r()));
  return { jobs, cos, request, hits, port, close };
}

/** Moves a job along engine events, as the engine would (it is not needed to test the wire). */
export async function drive(jobs: JobService, id: string, events: EngineEvent[]): Promise<Job> {
  let job = (await jobs.get(id))!;
  for (const e of events) job = await jobs.advance(id, e);
  return job;
}

export const TO_ACTIVE: EngineEvent[] = ["prepare", "prepared", "start"];
export const TO_COMPLETE: EngineEvent[] = [...TO_ACTIVE, "finish", "complete"];
export const TO_SUSPENDED: EngineEvent[] = ["prepare", "awaitConfirmation"];

export function jobIdOf(xml: string): string {
  const m = /<JobId>([^<]*)<\/JobId>/.exec(xml);
  if (!m) throw new Error(`no JobId in ${xml}`);
  return m[1]!;
}

/** The text of the first element called `name` (enough for asserting on flat values). */
export function element(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>|<${name}/>`).exec(xml);
  return m ? (m[1] ?? "") : undefined;
}
