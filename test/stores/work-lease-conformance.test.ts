import { MemoryWorkLeases } from "../../src/stores/memory-work-leases.js";
import { testWorkLeases } from "../../src/testing/conformance/work-lease-suite.js";

testWorkLeases("MemoryWorkLeases", () => ({ store: new MemoryWorkLeases() }));
