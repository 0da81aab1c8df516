import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsWorkLeases } from "../../src/stores/fs-work-leases.js";
import { MemoryWorkLeases } from "../../src/stores/memory-work-leases.js";
import { testWorkLeases } from "../../src/testing/conformance/work-lease-suite.js";

testWorkLeases("MemoryWorkLeases", () => ({ store: new MemoryWorkLeases() }));

testWorkLeases(
  "FsWorkLeases",
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "batchplane-work-"));
    return {
      store: new FsWorkLeases({ dir, fsync: false }),
      reopen: () => new FsWorkLeases({ dir, fsync: false }),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  },
  { durable: true },
);
