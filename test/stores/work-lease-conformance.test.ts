import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsWorkLeases } from "../../src/stores/fs-work-leases.js";
import type { RowParts, RowSpill } from "../../src/core/leases/memory-work-leases.js";
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

/** A spill that keeps parts in a map, so that the suite runs with every finished unit's rows spilled. */
function mapSpill(): RowSpill {
  const parts = new Map<string, string>();
  return {
    async write(jobId, unit, token, rows) {
      const out: RowParts = {};
      for (const status of ["succeeded", "failed"] as const) {
        if (rows[status].length === 0) continue;
        const key = `${jobId}/${unit}/${token}/${status}`;
        parts.set(key, JSON.stringify(rows[status]));
        out[status] = { bucket: "spill", key };
      }
      return out;
    },
    async read(part) {
      return JSON.parse(parts.get(part.key)!) as string[];
    },
    async remove(part) {
      parts.delete(part.key);
    },
  };
}

testWorkLeases("MemoryWorkLeases, every finished unit's rows spilled", () => ({ store: new MemoryWorkLeases({ spill: mapSpill(), keepChars: 0 }) }));
