#!/usr/bin/env node
// `npm run mutate [-- folder...]`: StrykerJS over each folder in turn (all of them by default),
// each run bounded by MUTATE_TIMEOUT_MINUTES (default 45), then the score of every folder measured.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { FOLDERS } from "./mutate-folders.mjs";

const folders = process.argv.slice(2).map((f) => f.replace(/\/+$/, ""));
const minutes = Number(process.env.MUTATE_TIMEOUT_MINUTES ?? 45);
let failed = false;
for (const folder of folders.length ? folders : Object.keys(FOLDERS)) {
  if (!(folder in FOLDERS)) {
    console.error(`unknown folder ${folder}; one of: ${Object.keys(FOLDERS).join(", ")}`);
    process.exit(2);
  }
  const run = spawnSync("npx", ["stryker", "run"], {
    stdio: "inherit",
    // One fast-check seed for the dry run and every mutant, so that property tests draw the same values.
    env: { ...process.env, MUTATE_FOLDER: folder, FC_SEED: process.env.FC_SEED ?? "20261201" },
    timeout: minutes * 60_000,
    killSignal: "SIGTERM",
  });
  if (run.status !== 0) {
    console.error(`stryker on ${folder}: ${run.error ? run.error.message : `exit ${run.status ?? run.signal}`}`);
    failed = true;
  }
}

console.log("\nMutation score by folder (killed + timed out of all covered and uncovered mutants):");
for (const folder of Object.keys(FOLDERS)) {
  const file = `reports/mutation/${folder.replaceAll("/", "-")}.json`;
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, "utf8"));
  const counts = {};
  for (const f of Object.values(report.files)) for (const m of f.mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
  const killed = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const valid = killed + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  console.log(`  ${folder.padEnd(22)} ${((100 * killed) / valid).toFixed(1).padStart(5)}%  (${killed} of ${valid})`);
}
process.exit(failed ? 1 : 0);
