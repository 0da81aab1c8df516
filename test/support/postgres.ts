import { execFile, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./moto.js";

/**
 * A throwaway PostgreSQL cluster for tests: `initdb` into a temporary directory, `pg_ctl start` on
 * a free port of 127.0.0.1, removed by `stop()`. As root (CI), the cluster belongs to and runs as
 * the `postgres` user, since PostgreSQL refuses to run as root. A missing PostgreSQL is an error
 * naming the fix: the tests that need it fail, they are never skipped.
 */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown: connections are cut), keeping the data. */
  halt(): Promise<void>;
  /** Starts it again on the same port over the same data. */
  resume(): Promise<void>;
  /** halt() then resume(): what a database restart looks like to its clients. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

const SEARCHED = ["/usr/lib/postgresql"];

/** The directory holding initdb and pg_ctl: PostgreSQL 15 preferred, then any version, then PATH. */
export function postgresBinDir(roots: readonly string[] = SEARCHED, path = process.env.PATH ?? ""): string {
  for (const root of roots) {
    if (!existsSync(root)) continue;
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, "bin", "initdb")))
      .sort((a, b) => (a === "15" ? -1 : b === "15" ? 1 : Number(b) - Number(a)));
    if (versions.length > 0) return join(root, versions[0]!, "bin");
  }
  const found = spawnSync("/bin/sh", ["-c", "command -v initdb"], { encoding: "utf8", env: { PATH: path } });
  const initdb = (found.stdout ?? "").trim();
  if (found.status === 0 && initdb) return initdb.slice(0, initdb.lastIndexOf("/"));
  throw new Error(
    "PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH): " +
      "install Debian's package with `apt-get install -y postgresql` (.ci/run does this)",
  );
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program, as `postgres` when this process is root. */
function run(bin: string, program: string, args: string[]): Promise<string> {
  const file = join(bin, program);
  const [cmd, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", file, ...args]] : [file, args];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: 60_000, env: { ...process.env, LC_ALL: "C" } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${program} ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const dir = await mkdtemp(join(tmpdir(), "batchplane-pg-"));
  if (asRoot) {
    const ids = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const gids = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    if (ids.status !== 0) throw new Error("running as root, but there is no `postgres` user to run PostgreSQL as (Debian's package creates it)");
    await chown(dir, Number(ids.stdout), Number(gids.stdout));
  }
  await chmod(dir, 0o700);
  const data = join(dir, "data");
  const port = await freePort();
  await run(bin, "initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
  ].join(" ");
  const start = () => run(bin, "pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "-t", "60", "start"]);
  const halt = () => run(bin, "pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"]).then(() => undefined);
  await start();
  let running = true;
  const cluster: PostgresCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async halt() {
      await halt();
      running = false;
    },
    async resume() {
      await start();
      running = true;
    },
    async restart() {
      await cluster.halt();
      await cluster.resume();
    },
    async stop() {
      if (running) await halt().catch(() => undefined);
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
