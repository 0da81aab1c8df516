import { ossDialect } from "../../../dialects/oss/index.js";
import { JobService, type IdSource } from "../../../src/index.js";
import { ManualClock } from "../../../src/core/clock.js";
import { SequentialIds } from "../../../src/core/ids.js";
import { createFetchHandler } from "../../../src/server/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";

/** The seeds' endpoint and V1 credential (masked as in the document; signatures are not checked). */
export const HOST = "oss-cn-hangzhou.aliyuncs.com";
export const V1_AUTH = "OSS LTAI4Fw2Nb3o4f5a3a1f****:2s98lj9n796c9kdc6b5f4l5b****";
export const JOB_ID = /^[A-Za-z0-9]{43}=$/;

/** Hands out the given UUIDs first (to reproduce a document's job id), then sequential ones. */
export class QueuedIds implements IdSource {
  private readonly fallback = new SequentialIds("0000000f");
  constructor(private readonly queue: string[]) {}
  uuid(): string {
    return this.queue.shift() ?? this.fallback.uuid();
  }
}

export interface SendOptions {
  body?: string;
  /** Authorization header; null sends none. */
  auth?: string | null;
  host?: string;
  headers?: Record<string, string>;
}

/** An OSS endpoint over the in-memory store with a manual clock, reached through the fetch handler. */
export function ossHarness(options: { uuids?: string[]; start?: number; ids?: IdSource } = {}) {
  const clock = new ManualClock(options.start ?? Date.UTC(2026, 0, 1));
  const store = new MemoryJobStore();
  const jobs = new JobService({ store, clock, ids: options.ids ?? new QueuedIds([...(options.uuids ?? [])]) });
  let requests = 0;
  const requestId = () => (++requests).toString(16).toUpperCase().padStart(24, "0");
  const handler = createFetchHandler({ jobs, dialects: [ossDialect({ requestId })] });
  const send = (method: string, target: string, o: SendOptions = {}) => {
    const headers = new Headers(o.headers);
    const auth = o.auth === undefined ? V1_AUTH : o.auth;
    if (auth !== null) headers.set("authorization", auth);
    return handler(new Request(`http://${o.host ?? HOST}${target}`, { method, headers, body: o.body }));
  };
  return { clock, store, jobs, handler, send };
}

/** The first text of `element` in an XML document. */
export function textOf(xml: string, element: string): string | undefined {
  return new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml)?.[1];
}

export interface CreateParts {
  operation?: string;
  report?: string;
  /** null leaves ClientRequestToken out. */
  token?: string | null;
  /** Manifest or KeyPrefixManifestGenerator (or both, or "" for neither). */
  source?: string;
  confirmation?: string;
  description?: string;
  priority?: string;
  role?: string;
}

let tokens = 0;
/** A valid CreateJobRequest, element by element overridable (raw XML, so tests can break it). */
export function createJobXml(p: CreateParts = {}): string {
  const token = p.token === undefined ? `token-${++tokens}` : p.token;
  return [
    "<CreateJobRequest>",
    p.confirmation ?? "",
    `<Operation>${p.operation ?? "<PutObjectTagging><TagSet><Tag><Key>Environment</Key><Value>Production</Value></Tag></TagSet></PutObjectTagging>"}</Operation>`,
    p.report ?? "<Report><Bucket>report-bucket</Bucket><Enabled>true</Enabled><Prefix>batch-reports/</Prefix><ReportScope>AllTasks</ReportScope></Report>",
    token === null ? "" : `<ClientRequestToken>${token}</ClientRequestToken>`,
    p.source ??
      "<Manifest><Location><Bucket>manifest-bucket</Bucket><Object>manifest.csv</Object></Location><Spec><Fields>Bucket,Key</Fields><Format>OSS_BatchOperations_CSV_20250611</Format></Spec></Manifest>",
    p.description ?? "",
    p.priority ?? "<Priority>10</Priority>",
    p.role ?? "<RoleArn>acs:ram::1234567890:role/BatchRole</RoleArn>",
    "</CreateJobRequest>",
  ].join("");
}

/** Creates a job through the wire and returns its id. */
export async function createJob(send: ReturnType<typeof ossHarness>["send"], parts: CreateParts = {}, options: SendOptions = {}): Promise<string> {
  const res = await send("POST", "/?batchJob", { ...options, body: createJobXml(parts) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`CreateJob failed: ${res.status} ${body}`);
  return textOf(body, "JobId")!;
}

/** The parts of an OSS error answer, with the header and body values that must agree. */
export async function ossError(res: Response) {
  const body = await res.text();
  return {
    status: res.status,
    code: textOf(body, "Code"),
    message: textOf(body, "Message") ?? "",
    ec: textOf(body, "EC"),
    ecHeader: res.headers.get("x-oss-ec"),
    requestId: textOf(body, "RequestId"),
    requestIdHeader: res.headers.get("x-oss-request-id"),
    hostId: textOf(body, "HostId"),
    body,
  };
}
