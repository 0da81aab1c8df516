import { ManualClock } from "../../src/core/clock.js";
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
