// The CSV parse worker's entry when the code runs from TypeScript sources (tsx, vitest). On Node 20
// a worker's `--import tsx` does not apply to its own entry (nodejs/node#47747), so this plain
// module registers tsx's require hook in the worker's thread and loads the TypeScript entry.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
require("tsx/cjs/api").register();
require("./csv-worker.ts");
