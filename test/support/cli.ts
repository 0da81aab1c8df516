import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const TSX = require.resolve("tsx/cli");
/** tsx's loader, by its absolute URL so that it is found whatever the child's cwd. */
const TSX_LOADER = pathToFileURL(require.resolve("tsx")).href;
const CLI = resolve(__dirname, "../../src/server/cli.ts");

export interface RunOptions {
  /** Where the process runs (the CLI's default data directory is `<cwd>/.batchplane-data`); never the repository. */
  cwd: string;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /**
   * A pipe on the child's stdin, closed when this process ends however it ends: a child that
   * exits when its stdin ends does not outlive a test that died before it could stop it.
   */
  stdinPipe?: boolean;
}

export type RunningProcess = ReturnType<typeof runNode>;

/** The command line of `batchplane` from the sources, for a process started some other way (under `script`, say). */
export const CLI_ARGV: readonly string[] = [process.execPath, TSX, CLI];

/** Runs `tsx src/server/cli.ts ...args` (what `npm start -- ...args` runs) and watches its output. */
export function runCli(args: string[], options: RunOptions) {
  return runNode([TSX, CLI, ...args], options);
}

/**
 * Runs a TypeScript file in one node process (`node --import tsx`): unlike tsx's CLI, which runs
 * the script in a child of its own, a signal sent to this process reaches the script itself.
 */
export function runTs(script: string, args: string[], options: RunOptions) {
  return runNode(["--import", TSX_LOADER, script, ...args], options);
}

/** Runs `node ...args` and watches its output. */
export function runNode(args: string[], options: RunOptions) {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: [options.stdinPipe ? "pipe" : "ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stdout!.on("data", (d) => {
    stdout += d;
    for (const w of [...waiters]) {
      const m = stdout.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr!.on("data", (d) => (stderr += d));
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
