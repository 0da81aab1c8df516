import { spawn } from "node:child_process";
import { createServer } from "node:net";

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/** A port of 127.0.0.1 free at the time of asking. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts moto's S3 server (`python3 -m moto.server`) on a free port and resolves once it answers.
 * Rejects, with moto's own output, when it cannot start: the tests that need it then fail
 * (they are never skipped), naming the fix.
 */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const args = ["-H", "127.0.0.1", "-p", String(port)];
  // `python3 -m moto.server ARGS`, run so that moto exits when its stdin closes: when this
  // process ends, even killed before it could stop moto, no server is left behind.
  const program = [
    "import os, runpy, sys, threading",
    "threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()",
    `sys.argv = ["moto.server", ${args.map((a) => JSON.stringify(a)).join(", ")}]`,
    'runpy.run_module("moto.server", run_name="__main__", alter_sys=True)',
  ].join("\n");
  const child = spawn("python3", ["-c", program], { stdio: ["pipe", "pipe", "pipe"] });
  const command = ["-m", "moto.server", ...args];
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;

  const problem = (why: string) =>
    new Error(
      `moto's S3 server did not start (python3 ${command.join(" ")}): ${why}. ` +
        `Install it with: pip install 'moto[server]'\n--- moto output ---\n${output.slice(-4000)}`,
    );

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(problem(`no answer within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(e);
    };
    // Werkzeug says where it listens once it does; then one request confirms it answers.
    const listen = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes(`127.0.0.1:${port}`)) return;
      child.stdout.off("data", listen);
      child.stderr.off("data", listen);
      fetch(`${endpoint}/moto-api/`).then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (e: Error) => fail(problem(`it does not answer: ${e.message}`)),
      );
    };
    child.stdout.on("data", listen);
    child.stderr.on("data", listen);
    child.once("error", (e) => fail(problem(e.message)));
    child.once("exit", (code) => fail(problem(`it exited with code ${code}`)));
  });
  child.removeAllListeners("exit");
  child.stdout.resume();
  child.stderr.resume();

  return {
    endpoint,
    async stop() {
      child.stdin.end();
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
