import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { copyJson } from "../../src/stores/json-copy.js";

/** The memory job store hands out copies with copyJson: they must be what JSON.parse of the text gives. */
describe("copyJson", () => {
  it("gives what JSON.parse of the value's text gives, sharing no object with the value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (drawn) => {
        const text = JSON.stringify(drawn);
        const value = JSON.parse(text) as unknown;
        const copied = copyJson(value);
        expect(JSON.stringify(copied)).toBe(text);
        expect(copied).toStrictEqual(JSON.parse(text));
        if (typeof value === "object" && value !== null) expect(copied).not.toBe(value);
      }),
    );
  });

  it("keeps a __proto__ member as a member, as JSON.parse does, not as the prototype", () => {
    const value = JSON.parse('{"meta":{"__proto__":{"polluted":true},"a":1}}') as { meta: Record<string, unknown> };
    const copied = copyJson(value);
    expect(Object.getPrototypeOf(copied.meta)).toBe(Object.prototype);
    expect(Object.keys(copied.meta)).toEqual(["__proto__", "a"]);
    expect(JSON.stringify(copied)).toBe(JSON.stringify(value));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("changing a copy leaves the original as it was", () => {
    const value = { a: [{ b: 1 }], c: { d: "e" } };
    const copied = copyJson(value);
    copied.a[0]!.b = 2;
    copied.c.d = "f";
    expect(value).toEqual({ a: [{ b: 1 }], c: { d: "e" } });
  });
});
