import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const ROOT = resolve(__dirname, "../..");
const run = promisify(execFile);
const LOCK = join(ROOT, "node_modules", ".cache", "batchplane-build.lock");

/** The newest modification time of the TypeScript files under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path));
    else if (entry.name.endsWith(".ts")) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

function stale(): boolean {
  const index = join(ROOT, "dist/index.js");
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  return built < Math.max(newest(join(ROOT, "src")), newest(join(ROOT, "dialects")), statSync(join(ROOT, "package.json")).mtimeMs);
}

/**
 * dist/ as `npm ci` leaves it (the `prepare` script builds it). In a developer's tree whose sources
 * changed since the last build, builds as `prepare` does, one test file at a time (a lock
 * directory), so that the package's own entry points say what the sources say.
 */
export async function ensureBuilt(): Promise<void> {
  if (!stale()) return;
  mkdirSync(join(ROOT, "node_modules", ".cache"), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // Another test file is building; its build serves this one.
      await new Promise((r) => setTimeout(r, 250));
      if (!stale()) return;
    }
  }
  try {
    if (stale()) await run(process.execPath, [join(ROOT, "node_modules/tsup/dist/cli-default.js")], { cwd: ROOT, timeout: 240_000 });
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
