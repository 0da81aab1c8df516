import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyIndex } from "../../src/stores/key-index.js";

type Op = { op: "set"; key: string; value: number } | { op: "delete"; key: string } | { op: "get"; key: string } | { op: "walk" };

/** Few distinct keys, so that sets, deletes and gets meet; some share a prefix, some are empty or non-ASCII. */
const keys = fc.oneof(fc.constantFrom("", "a", "b", "photos/cat.jpg", "photos/dog.jpg", "ünï✓", "a/b/c"), fc.string({ maxLength: 3 }));
const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant("set" as const), key: keys, value: fc.integer() }),
    fc.record({ op: fc.constant("delete" as const), key: keys }),
    fc.record({ op: fc.constant("get" as const), key: keys }),
    // Every key in insertion order: the lookups that take the index's next-entry path.
    fc.record({ op: fc.constant("walk" as const) }),
  ),
  { maxLength: 300 },
);

/** The memory store's bucket index must be a Map: same answers, same insertion order. */
describe("KeyIndex", () => {
  it("answers every get, has, delete, size and key order as a Map does", () => {
    fc.assert(
      fc.property(ops, (sequence: Op[]) => {
        const index = new KeyIndex<number>();
        const map = new Map<string, number>();
        for (const step of sequence) {
          if (step.op === "set") {
            index.set(step.key, step.value);
            map.set(step.key, step.value);
          } else if (step.op === "delete") {
            expect(index.delete(step.key)).toBe(map.delete(step.key));
          } else if (step.op === "walk") {
            for (const [key, value] of map) expect(index.get(key)).toBe(value);
          } else {
            expect(index.get(step.key)).toBe(map.get(step.key));
            expect(index.has(step.key)).toBe(map.has(step.key));
          }
          expect(index.size).toBe(map.size);
        }
        expect([...index.keys()]).toEqual([...map.keys()]);
        expect([...index.entries()]).toEqual([...map.entries()]);
      }),
    );
  });

  it("keeps every key reachable through growth and deletes in the middle of probe runs", () => {
    const index = new KeyIndex<number>(4);
    const n = 20_000;
    for (let i = 0; i < n; i++) index.set(`k${i}`, i);
    for (let i = 0; i < n; i += 3) expect(index.delete(`k${i}`)).toBe(true);
    for (let i = 0; i < n; i++) expect(index.get(`k${i}`)).toBe(i % 3 === 0 ? undefined : i);
    // In insertion order from the other end too: each lookup misses the next-entry try.
    for (let i = n - 1; i >= 0; i--) expect(index.has(`k${i}`)).toBe(i % 3 !== 0);
    // Re-adding after deletes (rebuilds that drop the holes) keeps the order of insertion.
    for (let i = 0; i < n; i += 3) index.set(`k${i}`, -i);
    expect(index.size).toBe(n);
    const order = [...index.keys()];
    expect(order.slice(0, 2)).toEqual(["k1", "k2"]);
    expect(order[order.length - 1]).toBe(`k${n - 1 - ((n - 1) % 3)}`);
  });
});
