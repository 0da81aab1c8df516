/**
 * What `npm run mutate` measures: each folder of the core and the dialects, with the tests that
 * exercise it in-process. A folder's mutants run only against its own tests: every test file that
 * imports JobService would cover a mutant of src/core/jobs, and re-running them all for each of
 * ~600 mutants takes hours on a shared machine. So a score says how well a folder's own tests pin
 * its behaviour.
 */
export const FOLDERS = {
  "src/core/jobs": ["test/core/**/*.test.ts", "test/engine/lifecycle.test.ts", "test/dialects/tenants.test.ts"],
  "src/core/engine": ["test/engine/**/*.test.ts"],
  "src/core/manifest": ["test/manifest/**/*.test.ts", "test/engine/manifest-failures.test.ts"],
  "src/core/operations": ["test/operations/**/*.test.ts", "test/engine/functions.test.ts"],
  "src/core/model": ["test/core/**/*.test.ts", "test/dialects/s3-control/units.test.ts"],
  "dialects/s3-control": ["test/dialects/s3-control/*.test.ts"],
  "dialects/oss": ["test/dialects/oss/**/*.test.ts"],
  "dialects/cos": ["test/dialects/cos/**/*.test.ts"],
  "dialects/xml": ["test/dialects/xml.test.ts", "test/dialects/s3-control/wire.test.ts"],
};

/** The folder of the current run (MUTATE_FOLDER), checked against the table. */
export function currentFolder() {
  const folder = process.env.MUTATE_FOLDER ?? "src/core/jobs";
  if (!(folder in FOLDERS)) throw new Error(`MUTATE_FOLDER=${folder}: not one of ${Object.keys(FOLDERS).join(", ")}`);
  return folder;
}
