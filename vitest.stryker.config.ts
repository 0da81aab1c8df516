import { defineConfig } from "vitest/config";
import type { Reporter, TestModule, Vitest } from "vitest/node";
import { currentFolder, FOLDERS } from "./scripts/mutate-folders.mjs";
import base from "./vitest.config.js";

/**
 * Stryker's vitest runner reads test results only: a mutant that makes a module throw while it
 * loads (an emptied transition table, a policy that no longer validates) fails every test file
 * before any test runs, and would count as survived. This reports such load errors as errors of
 * the run, which Stryker counts as the mutant's runtime error instead.
 */
class LoadErrors implements Reporter {
  private vitest?: Vitest;
  onInit(vitest: Vitest) {
    this.vitest = vitest;
  }
  onTestRunEnd(modules: readonly TestModule[]) {
    for (const m of modules) for (const error of m.errors()) this.vitest?.state.catchError(error, "Load Error");
  }
}

/** The tests `npm run mutate` runs against the mutants of one folder (scripts/mutate-folders.mjs). */
export default defineConfig({
  ...base,
  test: { ...base.test, include: FOLDERS[currentFolder() as keyof typeof FOLDERS], reporters: ["default", new LoadErrors()] },
});
