import { describe, expect, it } from "vitest";
import { GroupedFlush } from "../../src/stores/fs/files.js";

/** A flush that ends when the test says so, recording when each started. */
function manualFlush() {
  const started: { key: string; end: () => void }[] = [];
  const flush = (key: string) => new Promise<void>((resolve) => started.push({ key, end: resolve }));
  return { started, flush };
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe("GroupedFlush (the directory fsyncs of the filesystem stores, shared)", () => {
  it("answers a caller that came while a flush ran only after a flush that started after it; callers meanwhile share that one", async () => {
    const { started, flush } = manualFlush();
    const flushes = new GroupedFlush(flush);
    const a = flushes.run("d");
    expect(started).toHaveLength(1);
    // b and c made their change after the running flush began: it may not cover them.
    const b = flushes.run("d");
    const c = flushes.run("d");
    expect(started).toHaveLength(1);
    started[0]!.end();
    expect(await settled(a)).toBe(true);
    expect(await settled(b)).toBe(false);
    expect(started).toHaveLength(2);
    started[1]!.end();
    expect(await settled(b)).toBe(true);
    expect(await settled(c)).toBe(true);
    expect(started).toHaveLength(2);
  });

  it("flushes different keys independently, and starts afresh once a group is over", async () => {
    const { started, flush } = manualFlush();
    const flushes = new GroupedFlush(flush);
    const x = flushes.run("x");
    const y = flushes.run("y");
    expect(started.map((s) => s.key)).toEqual(["x", "y"]);
    started[1]!.end();
    expect(await settled(y)).toBe(true);
    expect(await settled(x)).toBe(false);
    started[0]!.end();
    await x;
    const again = flushes.run("x");
    expect(started).toHaveLength(3);
    started[2]!.end();
    await again;
  });

  it("a failed flush fails its callers, and the next caller gets a flush of its own", async () => {
    let fail = true;
    let calls = 0;
    const flushes = new GroupedFlush(async () => {
      calls++;
      if (fail) throw new Error("EIO");
    });
    await expect(flushes.run("d")).rejects.toThrow("EIO");
    fail = false;
    await flushes.run("d");
    expect(calls).toBe(2);
  });
});
