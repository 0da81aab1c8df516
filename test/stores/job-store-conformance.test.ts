import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsJobStore } from "../../src/stores/fs-job-store.js";
import { MemoryJobStore } from "../../src/stores/memory-job-store.js";
import { testJobStore } from "../../src/testing/conformance/job-store-suite.js";

testJobStore("MemoryJobStore", () => ({ store: new MemoryJobStore() }));

testJobStore(
  "FsJobStore",
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "batchplane-jobs-"));
    return {
      store: new FsJobStore({ dir }),
      reopen: () => new FsJobStore({ dir }),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  },
  { durable: true },
);
