import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The rule of the layout: data flows wire → dialect → core → ports → stores. The core imports
 * nothing outside src/core but small libraries and Node's stream, crypto and worker_threads modules,
 * and names no provider. Dialects never reach into the server or the stores.
 */
const ROOT = resolve(__dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g)];
  return found.map((m) => m[1] ?? m[2] ?? m[3]!);
}

const CORE_PACKAGES = new Set([
  "zod",
  "csv-parse",
  "node:stream",
  "node:stream/promises",
  "node:crypto",
  "node:zlib",
  "node:util",
  // The manifest's CSV parse runs on a worker thread for large manifests (src/core/manifest/csv-worker*.ts).
  "node:worker_threads",
]);

export function coreViolations(coreDir = join(ROOT, "src/core")): string[] {
  const problems: string[] = [];
  for (const file of files(coreDir)) {
    const where = relative(ROOT, file);
    for (const spec of imports(file)) {
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        if (!target.startsWith(coreDir)) problems.push(`${where} imports ${spec}, outside src/core`);
      } else if (!CORE_PACKAGES.has(spec) && !CORE_PACKAGES.has(spec.split("/")[0]!)) {
        problems.push(`${where} imports ${spec}, which the core may not use`);
      }
    }
    const code = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    for (const word of [/x-amz-/i, /x-oss-/i, /x-cos-/i, /arn:aws/i, /qcs::/i, /acs:ram/i, /<\?xml/, /aliyun|tencent|amazonaws/i]) {
      if (word.test(code)) problems.push(`${where} names a provider or a wire format (${word})`);
    }
  }
  return problems;
}

describe("architecture", () => {
  it("keeps the core pure: no dialect, HTTP module, store implementation or provider name", () => {
    expect(coreViolations()).toEqual([]);
  });

  it("catches a core file that reaches outside (the check itself can fail)", () => {
    const probe = join(ROOT, "test/fixtures/impure-core");
    expect(coreViolations(probe)).toEqual([
      "test/fixtures/impure-core/bad.ts imports ../../../dialects/s3-control/index.js, outside src/core",
      "test/fixtures/impure-core/bad.ts imports node:http, which the core may not use",
      "test/fixtures/impure-core/bad.ts names a provider or a wire format (/x-amz-/i)",
    ]);
  });

  it("keeps dialects off the server and the stores", () => {
    const problems: string[] = [];
    for (const file of files(join(ROOT, "dialects"))) {
      for (const spec of imports(file)) {
        const target = spec.startsWith(".") ? resolve(dirname(file), spec) : "";
        if (target.startsWith(join(ROOT, "src/server")) || target.startsWith(join(ROOT, "src/stores"))) {
          problems.push(`${relative(ROOT, file)} imports ${spec}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
