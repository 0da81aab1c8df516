/**
 * `http/static`: DescribeJob requests per second through batchplane's node server, divided by
 * the requests per second of a bare node:http server that returns the same bytes. Same client
 * (node:http, keep-alive, fixed concurrency), same run, rounds interleaved so that both see the
 * same machine; the median round's ratio is reported. The servers run in a child process, the client here. Target: at least 0.6.
 *
 * `http/static (signed)`: the same with SigV4 verification on (credentials configured), against
 * the same bare server. Target: at least 0.6.
 *
 * Run: `npx tsx bench/http.bench.ts` (prints `http/static: <ratio>` and `http/static (signed): <ratio>` last).
 */
import { Agent, request } from "node:http";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Ports {
  batchplanePort: number;
  staticPort: number;
  signedPort: number;
  /** A signed DescribeJob's headers (Authorization, x-amz-date...), replayed by every request. */
  signedHeaders: Record<string, string>;
  path: string;
  account: string;
  bytes: number;
}

/** Requests per second against one port for `ms`, `CONCURRENCY` requests always in flight. */
async function measure(port: number, ports: Ports, ms: number, headers: Record<string, string> = { "x-amz-account-id": ports.account }): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let done = 0;
  let failed = 0;
  const deadline = Date.now() + ms;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: ports.path, agent, headers }, (res) => {
        let size = 0;
        res.on("data", (c: Buffer) => (size += c.byteLength));
        res.on("end", () => {
          if (res.statusCode === 200 && size === ports.bytes) done++;
          else failed++;
          resolve();
        });
      });
      req.on("error", reject);
      req.end();
    });
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) await one();
    }),
  );
  const elapsed = Date.now() - started;
  agent.destroy();
  if (failed > 0) throw new Error(`${failed} requests to port ${port} did not return the expected bytes`);
  return (done / elapsed) * 1000;
}

export interface HttpBenchResult {
  batchplane: number;
  bare: number;
  ratio: number;
  /** Requests per second with signatures checked, and its ratio to the bare server of the same round. */
  signed: number;
  signedRatio: number;
}

export async function runHttpBench(): Promise<HttpBenchResult> {
  // The servers' process loads TypeScript through tsx, as this one does.
  const servers = fork(fileURLToPath(new URL("./http-servers.ts", import.meta.url)), { execArgv: ["--import", "tsx"], stdio: "inherit" });
  try {
    const ports = await new Promise<Ports>((resolve, reject) => {
      servers.once("message", (m) => resolve(m as Ports));
      servers.once("error", reject);
      servers.once("exit", (code) => reject(new Error(`the benchmark servers exited (${code})`)));
    });
    // Warm both (JIT, sockets), then interleave the measured rounds.
    await measure(ports.batchplanePort, ports, 500);
    await measure(ports.staticPort, ports, 500);
    await measure(ports.signedPort, ports, 500, ports.signedHeaders);
    // Each round measures both back to back; the median round's ratio is the result, so that a
    // burst of load from elsewhere on the machine moves one round, not the answer.
    const rounds: HttpBenchResult[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const batchplane = await measure(ports.batchplanePort, ports, ROUND_MS);
      const bare = await measure(ports.staticPort, ports, ROUND_MS);
      const signed = await measure(ports.signedPort, ports, ROUND_MS, ports.signedHeaders);
      rounds.push({ batchplane, bare, ratio: batchplane / bare, signed, signedRatio: signed / bare });
    }
    const median = (key: "ratio" | "signedRatio") => [...rounds].sort((a, b) => a[key] - b[key])[Math.floor(rounds.length / 2)]!;
    const unsigned = median("ratio");
    const withSignatures = median("signedRatio");
    return { ...unsigned, signed: withSignatures.signed, signedRatio: withSignatures.signedRatio };
  } finally {
    servers.kill();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runHttpBench();
  console.log(`http: batchplane ${r.batchplane.toFixed(0)} req/s, bare node:http ${r.bare.toFixed(0)} req/s (DescribeJob, concurrency ${CONCURRENCY})`);
  console.log(`http/static: ${r.ratio.toFixed(2)}`);
  console.log(`http/static (signed): ${r.signedRatio.toFixed(2)} (target ≥ 0.6)`);
}
