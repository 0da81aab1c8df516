import { describe, expect, it, vi } from "vitest";
import { bodyToBytes, isObjectStoreError } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { MemoryObjectStore } from "../../src/stores/memory-object-store.js";
import { CountingObjectStore, createTestBed, FaultInjectingStore, manifestCsv, seedManifest, seedObjects } from "../../src/testing/index.js";

async function store(seed?: number) {
  const inner = new MemoryObjectStore({ clock: new ManualClock() });
  await seedObjects(inner, "b", Array.from({ length: 100 }, (_, i) => `k${i}`));
  return new FaultInjectingStore(inner, { seed });
}

async function outcomes(s: FaultInjectingStore): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < 100; i++) {
    out.push(await s.head({ bucket: "b", key: `k${i}` }).then(() => "ok", (e) => (isObjectStoreError(e) ? e.code : "?")));
  }
  return out;
}

describe("FaultInjectingStore", () => {
  it("fails a seeded fraction of calls: the same calls for the same seed", async () => {
    const a = await store(42);
    const b = await store(42);
    const c = await store(43);
    for (const s of [a, b, c]) s.failFraction(0.3, { code: "SlowDown", status: 503 });
    const [ra, rb, rc] = [await outcomes(a), await outcomes(b), await outcomes(c)];
    expect(ra).toEqual(rb);
    expect(ra).not.toEqual(rc);
    const failed = ra.filter((r) => r === "SlowDown").length;
    expect(failed).toBeGreaterThan(15);
    expect(failed).toBeLessThan(45);
  });

  it("fails chosen keys and operations with chosen codes, a number of times, until removed", async () => {
    const s = await store();
    const fault = s.fail({ key: /^k1\d$/, operations: ["head", "get"], times: 2, error: { code: "AccessDenied", status: 403, message: "no" } });
    const err = await s.head({ bucket: "b", key: "k12" }).catch((e) => e);
    expect(err).toMatchObject({ code: "AccessDenied", status: 403, message: "no", retryable: false });
    await expect(s.getTagging({ bucket: "b", key: "k12" })).resolves.toEqual([]);
    await expect(s.get({ bucket: "b", key: "k13" })).rejects.toMatchObject({ code: "AccessDenied" });
    await expect(s.head({ bucket: "b", key: "k14" })).resolves.toMatchObject({ key: "k14" });
    expect(fault.hits).toBe(2);

    const all = s.failOperations("putTagging", { code: "InternalError", status: 500 });
    await expect(s.putTagging({ bucket: "b", key: "k1" }, [])).rejects.toMatchObject({ code: "InternalError", retryable: true });
    all.remove();
    await expect(s.putTagging({ bucket: "b", key: "k1" }, [])).resolves.toBeUndefined();
  });

  it("records calls and holds them at a gate until released", async () => {
    const s = await store();
    const gate = s.hold({ operations: "head", key: ["k1", "k2"] });
    const first = s.head({ bucket: "b", key: "k1" });
    const other = await s.head({ bucket: "b", key: "k3" });
    const second = s.head({ bucket: "b", key: "k2" });
    await gate.arrived(2);
    expect(other.key).toBe("k3");
    expect(gate.waiting).toBe(2);
    gate.release();
    expect((await Promise.all([first, second])).map((i) => i.key)).toEqual(["k1", "k2"]);
    expect(s.calls.map((c) => c.key)).toEqual(["k1", "k3", "k2"]);
  });
});

describe("CountingObjectStore", () => {
  it("answers everything, keeps nothing, counts calls and bytes, serves what it is given", async () => {
    const s = new CountingObjectStore();
    s.serve("m", "list.csv", async function* () {
      yield new TextEncoder().encode("b,k\n");
    });
    await s.putTagging();
    await s.putTagging();
    // Concurrent writes all count.
    await Promise.all([
      s.put({ bucket: "r", key: "x", body: "hello" }),
      s.put({ bucket: "r", key: "y", body: (async function* () { yield new Uint8Array(3); })() }),
    ]);
    const { body } = await s.get({ bucket: "m", key: "list.csv" });
    expect(new TextDecoder().decode(await bodyToBytes(body))).toBe("b,k\n");
    expect(s.counts).toEqual({ putTagging: 2, put: 2, get: 1 });
    expect(s.bytesWritten).toBe(8);
  });
});

describe("seed helpers", () => {
  it("writes objects and an encoded manifest, and returns the job's manifest with the ETag", async () => {
    const s = new MemoryObjectStore();
    const written = await seedObjects(s, "data", ["plain", { key: "with space", body: "x", tags: [{ key: "t", value: "1" }] }]);
    expect(written.map((w) => w.key)).toEqual(["plain", "with space"]);
    expect(manifestCsv([["data", "with space"], { bucket: "data", key: "a+b", versionId: "v1" }])).toBe("data,with%20space\ndata,a%2Bb,v1\n");
    const manifest = await seedManifest(s, { bucket: "m", key: "list.csv" }, [["data", "plain", "null"]]);
    expect(manifest).toEqual({ location: { bucket: "m", key: "list.csv", etag: (await s.head({ bucket: "m", key: "list.csv" })).etag }, format: "csv", fields: ["bucket", "key", "versionId"] });
  });
});

describe("createTestBed", () => {
  it("runs jobs to the end under vitest's fake timers too: the engine needs no real timer", async () => {
    vi.useFakeTimers();
    try {
      const bed = createTestBed();
      await seedObjects(bed.objects, "d", ["a", "b"]);
      const manifest = await seedManifest(bed.objects, { bucket: "m", key: "x.csv" }, [["d", "a"], ["d", "b"]]);
      bed.faults.fail({ operations: "putTagging", key: "a", times: 1, error: { code: "SlowDown", status: 503 } });
      const job = await bed.createJob({
        clientRequestToken: "t",
        priority: 1,
        confirmationRequired: false,
        role: "r",
        operation: { type: "putTagging", tags: [] },
        manifest,
        report: { enabled: false },
      });
      await bed.runUntilIdle();
      expect((await bed.describe(job.id)).progress).toMatchObject({ succeeded: 2, failed: 0 });
    } finally {
      vi.useRealTimers();
    }
  });
});
