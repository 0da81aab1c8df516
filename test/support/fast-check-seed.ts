import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeEach } from "vitest";

/**
 * Property tests draw a new seed on every run; `FC_SEED=<n>` replays one. The seed is set once for
 * the whole test file (every fc.assert in it starts from it), and a failed test of a file that uses
 * fast-check prints it with the command that replays it: also when fast-check could not report it
 * itself (a test timeout, an error outside the property).
 */
const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got "${process.env.FC_SEED}"`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });

const usesFastCheck = new Map<string, boolean>();

beforeEach(({ task, onTestFailed }) => {
  const file = task.file.filepath;
  if (!usesFastCheck.has(file)) usesFastCheck.set(file, /from\s+["']fast-check["']/.test(readFileSync(file, "utf8")));
  if (!usesFastCheck.get(file)) return;
  onTestFailed(() => {
    console.error(`fast-check seed ${seed}; replay with: FC_SEED=${seed} npx vitest run ${task.file.name} -t ${JSON.stringify(task.name)}`);
  });
});
