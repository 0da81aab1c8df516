/**
 * `http/static`: DescribeJob requests per second through batchplane's node server, divided by
 * the requests per second of a bare node:http server that returns the same bytes. Same client
 * (node:http, keep-alive, fixed concurrency), same run. The servers run in a child process, the
 * client here. Target: at least 0.9.
 *
 * `http/static (signed)`: the same with SigV4 verification on (credentials configured), against
 * the same bare server. Target: at least 0.6.
 *
 * On a shared machine one burst of load elsewhere moves a wall-clock figure by half, so: every
 * server is warmed first (JIT, sockets: each keeps its keep-alive connections for the whole run);
 * then many short rounds, each measuring all three back to back in an order that rotates from
 * round to round (no server always first after a pause), so that a burst of load lasting seconds
 * falls on all three alike; a round's ratios are taken within the round and the median round's
 * are the result, with the spread of all rounds beside it. Beside wall-clock rates, the servers' process reports its CPU time around each
 * measurement: CPU microseconds per request, which load elsewhere hardly moves, give the same
 * ratios as "requests per CPU-second" (`cpu`).
 *
 * Run: `npx tsx bench/http.bench.ts` (prints `http/static: <ratio>` and `http/static (signed): <ratio>` last).
 * Options: BENCH_HTTP_ROUNDS (default 15), BENCH_HTTP_ROUND_MS (default 400: each server's share of a round),
 * BENCH_CONCURRENCY (16); BENCH_CPU_PROF=DIR writes the servers' `--cpu-prof` profile into DIR.
 */
import { Agent, request } from "node:http";
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUND_MS = Number(process.env.BENCH_HTTP_ROUND_MS ?? 400);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 15);
const WARM_MS = 1500;
const PROFILE_DIR = process.env.BENCH_CPU_PROF;

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

/** The servers' process: its ports, and its CPU time on request. */
class Servers {
  private asked = 0;
  private readonly waiting = new Map<number, (micros: number) => void>();
  constructor(
    readonly child: ChildProcess,
    readonly ports: Ports,
  ) {
    child.on("message", (m: { cpu?: number; micros?: number }) => {
      if (m.cpu !== undefined) this.waiting.get(m.cpu)?.(m.micros!);
    });
  }
  /** The servers' process's user + system CPU microseconds so far. */
  cpu(): Promise<number> {
    const id = ++this.asked;
    return new Promise((resolve) => {
      this.waiting.set(id, (micros) => {
        this.waiting.delete(id);
        resolve(micros);
      });
      this.child.send({ cpu: id });
    });
  }
}

interface Measurement {
  /** Requests per second, wall clock. */
  rps: number;
  /** The servers' process's CPU microseconds per request. */
  serverMicros: number;
  /** This process's (the client's) CPU microseconds per request. */
  clientMicros: number;
}

interface Target {
  name: "batchplane" | "bare" | "signed";
  port: number;
  headers: Record<string, string>;
  /** Its keep-alive connections, kept from round to round. */
  agent: Agent;
}

/** Requests against one port for `ms`, `CONCURRENCY` requests always in flight. */
async function measure(servers: Servers, target: Target, ms: number): Promise<Measurement> {
  const { ports } = servers;
  const { port, headers, agent } = target;
  let done = 0;
  let failed = 0;
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
  const serverBefore = await servers.cpu();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  const elapsed = performance.now() - started;
  const client = process.cpuUsage(clientBefore);
  const serverAfter = await servers.cpu();
  if (failed > 0) throw new Error(`${failed} requests to port ${port} did not return the expected bytes`);
  const total = done + failed;
  return { rps: (done / elapsed) * 1000, serverMicros: (serverAfter - serverBefore) / total, clientMicros: (client.user + client.system) / total };
}

/** One round: the three servers measured back to back, and the ratios within the round. */
export interface HttpRound {
  batchplane: Measurement;
  bare: Measurement;
  signed: Measurement;
  /** batchplane / bare requests per second. */
  ratio: number;
  signedRatio: number;
  /** The same ratios in requests per CPU-second of the servers' process (bare CPU per request / batchplane's). */
  cpuRatio: number;
  signedCpuRatio: number;
}

export interface HttpBenchResult {
  /** Requests per second of the median round (by `ratio`). */
  batchplane: number;
  bare: number;
  ratio: number;
  /** Requests per second with signatures checked, and its ratio to the bare server of the same round (median round by `signedRatio`). */
  signed: number;
  signedRatio: number;
  /** Medians of the rounds' CPU ratios, and the median CPU microseconds per request of each server. */
  cpu: { ratio: number; signedRatio: number; batchplaneMicros: number; bareMicros: number; signedMicros: number };
  /** Every round, in the order measured, for the spread. */
  rounds: HttpRound[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function runHttpBench(): Promise<HttpBenchResult> {
  // The servers' process loads TypeScript through tsx, as this one does.
  const execArgv = ["--import", "tsx", ...(PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : [])];
  const child = fork(fileURLToPath(new URL("./http-servers.ts", import.meta.url)), { execArgv, stdio: "inherit" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let targets: Target[] = [];
  try {
    const ports = await new Promise<Ports>((resolve, reject) => {
      child.once("message", (m) => resolve(m as Ports));
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`the benchmark servers exited (${code})`)));
    });
    const servers = new Servers(child, ports);
    const unsignedHeaders = { "x-amz-account-id": ports.account };
    const agent = () => new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    targets = [
      { name: "batchplane", port: ports.batchplanePort, headers: unsignedHeaders, agent: agent() },
      { name: "bare", port: ports.staticPort, headers: unsignedHeaders, agent: agent() },
      { name: "signed", port: ports.signedPort, headers: ports.signedHeaders, agent: agent() },
    ];
    for (const t of targets) await measure(servers, t, WARM_MS);
    const rounds: HttpRound[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const got: Partial<Record<Target["name"], Measurement>> = {};
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(i + k) % targets.length]!;
        got[t.name] = await measure(servers, t, ROUND_MS);
      }
      const { batchplane, bare, signed } = got as Record<Target["name"], Measurement>;
      rounds.push({
        batchplane,
        bare,
        signed,
        ratio: batchplane.rps / bare.rps,
        signedRatio: signed.rps / bare.rps,
        cpuRatio: bare.serverMicros / batchplane.serverMicros,
        signedCpuRatio: bare.serverMicros / signed.serverMicros,
      });
    }
    const medianRound = (key: "ratio" | "signedRatio") => [...rounds].sort((a, b) => a[key] - b[key])[Math.floor(rounds.length / 2)]!;
    const unsigned = medianRound("ratio");
    const withSignatures = medianRound("signedRatio");
    return {
      batchplane: unsigned.batchplane.rps,
      bare: unsigned.bare.rps,
      ratio: unsigned.ratio,
      signed: withSignatures.signed.rps,
      signedRatio: withSignatures.signedRatio,
      cpu: {
        ratio: median(rounds.map((r) => r.cpuRatio)),
        signedRatio: median(rounds.map((r) => r.signedCpuRatio)),
        batchplaneMicros: median(rounds.map((r) => r.batchplane.serverMicros)),
        bareMicros: median(rounds.map((r) => r.bare.serverMicros)),
        signedMicros: median(rounds.map((r) => r.signed.serverMicros)),
      },
      rounds,
    };
  } finally {
    for (const t of targets) t.agent.destroy();
    if (child.connected) child.send({ exit: true });
    const timer = setTimeout(() => child.kill(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The lines the benchmark prints about its rounds: spread of each ratio and the CPU figures. */
export function describeHttpRounds(r: HttpBenchResult): string[] {
  const spread = (key: "ratio" | "signedRatio" | "cpuRatio" | "signedCpuRatio") => {
    const v = r.rounds.map((x) => x[key]);
    return `${Math.min(...v).toFixed(2)}-${Math.max(...v).toFixed(2)}`;
  };
  return [
    `http: ${r.rounds.length} interleaved rounds of ${ROUND_MS} ms a server, concurrency ${CONCURRENCY}; median round: batchplane ${r.batchplane.toFixed(0)} req/s, bare node:http ${r.bare.toFixed(0)} req/s, signed ${r.signed.toFixed(0)} req/s`,
    `http: rounds' ratios: unsigned ${spread("ratio")}, signed ${spread("signedRatio")} (wall clock); unsigned ${spread("cpuRatio")}, signed ${spread("signedCpuRatio")} (server CPU)`,
    `http: server CPU us per request (median): batchplane ${r.cpu.batchplaneMicros.toFixed(1)}, signed ${r.cpu.signedMicros.toFixed(1)}, bare ${r.cpu.bareMicros.toFixed(1)} (client ${median(r.rounds.map((x) => x.bare.clientMicros)).toFixed(1)}); ratios by CPU: unsigned ${r.cpu.ratio.toFixed(2)}, signed ${r.cpu.signedRatio.toFixed(2)}`,
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runHttpBench();
  for (const line of describeHttpRounds(r)) console.log(line);
  console.log(`http/static: ${r.ratio.toFixed(2)} (target ≥ 0.9)`);
  console.log(`http/static (signed): ${r.signedRatio.toFixed(2)} (target ≥ 0.6)`);
}
