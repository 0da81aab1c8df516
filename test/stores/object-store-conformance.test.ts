import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/core/clock.js";
import { FsObjectStore } from "../../src/stores/fs-object-store.js";
import { MemoryObjectStore } from "../../src/stores/memory-object-store.js";
import { testObjectStore } from "../../src/testing/conformance/object-store-suite.js";

testObjectStore(
  "MemoryObjectStore",
  () => {
    const clock = new ManualClock();
    return { store: new MemoryObjectStore({ clock }), now: () => clock.now(), advanceTime: (ms) => clock.advance(ms) };
  },
  { timeTravel: true },
);

testObjectStore(
  "FsObjectStore",
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "batchplane-objects-"));
    const clock = new ManualClock();
    return {
      store: new FsObjectStore({ dir, clock }),
      now: () => clock.now(),
      advanceTime: (ms) => clock.advance(ms),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  },
  { timeTravel: true },
);
