import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request } from "node:http";
import { createRequire } from "node:module";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { connectionDefaults, serve, type RunningServer } from "../../src/server/serve.js";

const ACCOUNT = "123456789012";
const CREATE = `<CreateJobRequest xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><ConfirmationRequired>true</ConfirmationRequired><Operation><S3PutObjectTagging><TagSet><member><Key>k</Key><Value>v</Value></member></TagSet></S3PutObjectTagging></Operation><Report><Enabled>false</Enabled></Report><ClientRequestToken>conn</ClientRequestToken><Manifest><Spec><Format>S3BatchOperations_CSV_20180820</Format><Fields><member>Bucket</member><member>Key</member></Fields></Spec><Location><ObjectArn>arn:aws:s3:::manifests/m.csv</ObjectArn><ETag>69f52a4e9f797e987155d9c8f5880897</ETag></Location></Manifest><Priority>1</Priority><RoleArn>arn:aws:iam::${ACCOUNT}:role/r</RoleArn></CreateJobRequest>`;

let running: RunningServer | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await running?.close();
  running = undefined;
});

/** One request on `agent`, answered as status and body text. */
function call(port: number, agent: Agent, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: "127.0.0.1", port, method, path, agent, headers: { "x-amz-account-id": ACCOUNT } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => done({ status: res.statusCode!, text }));
    });
    req.on("error", fail);
    req.end(body);
  });
}

/** A raw connection that sent `data`; resolves once the server closed it. */
function hold(port: number, data: string) {
  const socket = connect(port, "127.0.0.1");
  sockets.push(socket);
  socket.on("error", () => undefined);
  let received = "";
  socket.on("data", (c: Buffer) => (received += c.toString()));
  socket.on("connect", () => socket.write(data));
  const closed = new Promise<string>((r) => socket.on("close", () => r(received)));
  return { socket, closed };
}

const portOf = (r: RunningServer) => Number(new URL(r.url).port);

describe("connections (issue 12.10)", () => {
  it("defaults to the timeouts such a server uses, and a connection cap", async () => {
    const d = connectionDefaults();
    expect(d).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 });
    expect(d.maxConnections).toBeGreaterThan(0);
    running = await serve({ port: 0, runJobs: false });
    expect(running.server.headersTimeout).toBe(10_000);
    expect(running.server.requestTimeout).toBe(30_000);
    expect(running.server.keepAliveTimeout).toBe(5_000);
    expect(running.server.maxConnections).toBe(d.maxConnections);
  });

  it("closes a connection that sends no request head, and one whose body stalls, after their timeouts", async () => {
    running = await serve({ port: 0, runJobs: false, connections: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const port = portOf(running);
    const silent = hold(port, "");
    const slowHead = hold(port, "GET /v20180820/jobs HTTP/1.1\r\nHost: x\r\n");
    const slowBody = hold(port, `POST /v20180820/jobs HTTP/1.1\r\nHost: x\r\nx-amz-account-id: ${ACCOUNT}\r\nContent-Length: 1000\r\n\r\n<Create`);
    // Each is closed (the test's own timeout is the bound: without limits Node waits 60 s and 300 s).
    expect(await slowHead.closed).toMatch(/^HTTP\/1\.1 408/);
    expect(await slowBody.closed).toMatch(/^HTTP\/1\.1 408/);
    await silent.closed;
  }, 10_000);

  it("refuses connections beyond the cap and keeps serving the ones it holds", async () => {
    running = await serve({ port: 0, runJobs: false, connections: { maxConnections: 4 } });
    const port = portOf(running);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await call(port, agent, "GET", "/v20180820/jobs")).status).toBe(200);
      const extra = Array.from({ length: 6 }, () => hold(port, "GET /v20180820/jobs HTTP/1.1\r\n"));
      // Three more fit (four with the agent's); the other three are closed at once.
      const refused = await Promise.race([Promise.all(extra.slice(3).map((e) => e.closed)), new Promise((r) => setTimeout(() => r("held"), 3_000))]);
      expect(refused).not.toBe("held");
      expect((await call(port, agent, "GET", "/v20180820/jobs")).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it("out of file descriptors, a request is answered with the dialect's 503, never a 500", async () => {
    const require = createRequire(import.meta.url);
    const loader = pathToFileURL(require.resolve("tsx")).href;
    const cli = resolve(__dirname, "../../src/server/cli.ts");
    const dir = await mkdtemp(join(tmpdir(), "batchplane-emfile-"));
    const child = spawn("bash", ["-c", `ulimit -n 200 && exec "${process.execPath}" --import ${loader} "${cli}" serve --port 0 --data-dir "${dir}" --max-connections 100000 --headers-timeout 60000 --request-timeout 60000`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const port = await new Promise<number>((done, fail) => {
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (m) done(Number(m[1]));
        });
        child.on("exit", (code) => fail(new Error(`the server exited (${code})`)));
      });
      const created = await call(port, agent, "POST", "/v20180820/jobs", CREATE);
      expect(created.status).toBe(200);
      const id = /<JobId>([^<]+)<\/JobId>/.exec(created.text)![1]!;
      expect((await call(port, agent, "GET", `/v20180820/jobs/${id}`)).status).toBe(200);

      // Use up the server's descriptors with connections that never finish their request head.
      // Until the server holds all 200 of its descriptors (Linux: /proc), opening more while it does not.
      const fds = () => readdirSync(`/proc/${child.pid}/fd`).length;
      for (let waited = 0; fds() < 199 && waited < 20_000; waited += 100) {
        for (let i = 0; i < 25; i++) hold(port, "GET / HTTP/1.1\r\n");
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(fds()).toBeGreaterThanOrEqual(199);

      // A write needs a descriptor (its file); a read may be answered from memory.
      const answer = await call(port, agent, "POST", `/v20180820/jobs/${id}/priority?priority=5`);
      expect(answer.status).toBe(503);
      expect(answer.text).toContain("<Code>InternalServiceException</Code>");
    } finally {
      agent.destroy();
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/**
 * A client that sends its whole body before it reads the answer, as Python's http.client (under
 * boto3 and requests) does: the body is chunked, far over the limit.
 */
const PYTHON_CLIENT = `
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=20)
def body():
    for _ in range(256):
        yield b"x" * 16384
try:
    c.request("POST", "/v20180820/jobs", body=body(), headers={"x-amz-account-id": "${ACCOUNT}"}, encode_chunked=True)
    r = c.getresponse()
    print(r.status, r.read().decode())
except Exception as e:
    print("ERROR", type(e).__name__, e)
`;

describe("a chunked body over the size limit (issue 12.11)", () => {
  it("gets the dialect's error response, not a bare connection close", async () => {
    running = await serve({ port: 0, runJobs: false, maxBodyBytes: 1024 });
    const python = spawn("python3", ["-c", PYTHON_CLIENT, String(portOf(running))], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    python.stdout.on("data", (c: Buffer) => (out += c.toString()));
    await new Promise((r) => python.on("exit", r));
    expect(out).toMatch(/^400 /);
    expect(out).toContain("<Code>BadRequestException</Code>");
    expect(out).toContain("larger than the limit of 1024 bytes");
  });
});
