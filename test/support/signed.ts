import { createHash, createHmac } from "node:crypto";
import { request as httpRequest, createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Dialect } from "../../dialects/dialect.js";
import type { Credential } from "../../dialects/signature.js";
import { JobService } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { SequentialIds } from "../../src/core/ids.js";
import { createNodeHandler, defaultDialects } from "../../src/server/index.js";
import { MemoryJobStore } from "../../src/stores/memory-job-store.js";

/** The keys the signature tests sign with: one per dialect and account, and one more account per dialect. */
export const KEYS = {
  s3: { dialect: "s3-control", accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", account: "123456789012" },
  s3Other: { dialect: "s3-control", accessKeyId: "AKIAOTHERACCOUNT0001", secretAccessKey: "other/secret/key/for/another/account00", account: "210987654321" },
  s3Session: {
    dialect: "s3-control",
    accessKeyId: "ASIATEMPORARYKEY0001",
    secretAccessKey: "temporary/secret/key/0000000000000000000",
    account: "123456789012",
    sessionToken: "FwoGZXIvYXdzEXAMPLEsessiontoken",
  },
  oss: { dialect: "oss", accessKeyId: "LTAI5tExampleAccessKey", secretAccessKey: "ExampleAccessKeySecretForOss000", account: "1234567890123456" },
  ossOther: { dialect: "oss", accessKeyId: "LTAI5tOtherAccountKey0", secretAccessKey: "OtherAccountSecret0000000000000", account: "6543210987654321" },
  ossSession: { dialect: "oss", accessKeyId: "STS.NTemporaryOssKey01", secretAccessKey: "TemporaryOssSecret000000000000", account: "1234567890123456", sessionToken: "CAIS-oss-sts-token" },
  cosSession: { dialect: "cos", accessKeyId: "AKIDTemporaryCosKey000000000000000", secretAccessKey: "TemporaryCosSecret00000000000000", account: "1250000000", sessionToken: "cos-sts-token" },
  cos: { dialect: "cos", accessKeyId: "AKIDExampleSecretId000000000000000", secretAccessKey: "ExampleSecretKey0000000000000000", account: "1250000000" },
  cosOther: { dialect: "cos", accessKeyId: "AKIDOtherAccountSecretId0000000000", secretAccessKey: "OtherSecretKey000000000000000000", account: "1250000001" },
} satisfies Record<string, Credential>;

export interface Hit {
  method: string;
  /** Origin-form target, as received. */
  target: string;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * A node:http server over every dialect with signatures checked against KEYS, a clock at the real
 * time (the SDKs sign with it), and a record of every request as it arrived, for replays.
 */
export async function signedServer(options: { dialects?: Dialect[]; credentials?: Credential[] } = {}) {
  const clock = new ManualClock(Date.now());
  const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
  const handler = createNodeHandler({ jobs, dialects: options.dialects ?? defaultDialects(), credentials: options.credentials ?? Object.values(KEYS) });
  const hits: Hit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => hits.push({ method: req.method ?? "GET", target: req.url ?? "/", headers, body: Buffer.concat(chunks) }));
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    jobs,
    clock,
    hits,
    /** Sends a request exactly as given (Host included), without any client's help. */
    send(hit: Hit) {
      return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
        const headers = { ...hit.headers, "content-length": String(hit.body.byteLength) };
        delete (headers as Record<string, string>)["transfer-encoding"];
        const req = httpRequest({ host: "127.0.0.1", port, method: hit.method, path: hit.target, headers }, (res) => {
          const parts: Buffer[] = [];
          res.on("data", (c: Buffer) => parts.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString("utf8") }));
        });
        req.on("error", reject);
        req.end(hit.body);
      });
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The text of the first `<name>` element. */
export function xmlText(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

/** A copy of a recorded request with one part changed. */
export function changed(hit: Hit, change: { method?: string; target?: string; headers?: Record<string, string>; body?: Buffer }): Hit {
  return {
    method: change.method ?? hit.method,
    target: change.target ?? hit.target,
    headers: { ...hit.headers, ...change.headers },
    body: change.body ?? hit.body,
  };
}

/** The last character of a value flipped to another one of the same kind. */
export function flip(value: string): string {
  const last = value.at(-1)!;
  const next = /\d/.test(last) ? String((Number(last) + 1) % 10) : last === "a" ? "b" : last === "A" ? "B" : /[a-z]/.test(last) ? "a" : /[A-Z]/.test(last) ? "A" : "x";
  return value.slice(0, -1) + next;
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === "string") return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** The hash constructor the AWS SDK's SignatureV4 takes, over node:crypto. */
export class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}
