import { defineConfig } from "vitest/config";
import { currentFolder, FOLDERS } from "./scripts/mutate-folders.mjs";
import base from "./vitest.config.js";

/** The tests `npm run mutate` runs against the mutants of one folder (scripts/mutate-folders.mjs). */
export default defineConfig({ ...base, test: { ...base.test, include: FOLDERS[currentFolder() as keyof typeof FOLDERS] } });
