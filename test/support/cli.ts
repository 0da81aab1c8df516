import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const TSX = createRequire(import.meta.url).resolve("tsx/cli");
const CLI = resolve(__dirname, "../../src/server/cli.ts");

export interface CliOptions {
  /** Where the CLI runs (its default data directory is `<cwd>/.batchplane-data`); never the repository. */
  cwd: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
}

/** Runs `tsx src/server/cli.ts ...args` (what `npm start -- ...args` runs) and watches its output. */
export function runCli(args: string[], options: CliOptions) {
  const child = spawn(process.execPath, [TSX, CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout.on("data", (d) => {
    stdout += d;
    for (const w of [...waiters]) {
      const m = stdout.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    waitFor: (re: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const m = stdout.match(re);
        if (m) return resolve(m);
        waiters.push({ re, resolve });
        void exited.then(() => reject(new Error(`exited before printing ${re}: ${stdout}${stderr}`)));
      }),
    /** SIGTERM, then the exit code (a clean shutdown exits with 0). */
    async stop(): Promise<number | null> {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return (await exited).code;
    },
  };
}
