import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digest, stableStringify } from "../../src/core/jobs/digest.js";

/** The idempotency digest's text: equal values give equal text, different values different text. */

/** The same value with every object's keys in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
}

describe("stableStringify", () => {
  it("is the JSON of the value, whatever the order of its keys", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = stableStringify(value);
        // As JSON has it: -0 is written 0 (fc.jsonValue() draws -0; JSON.stringify(-0) is "0").
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(stableStringify(reversed(value))).toBe(text);
      }),
    );
  });

  it("gives different values different text", () => {
    const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        if (!isDeepStrictEqual(json(a), json(b))) expect(stableStringify(a)).not.toBe(stableStringify(b));
      }),
    );
  });

  it("sorts keys, leaves out undefined members, and writes undefined in a list as null, as JSON does", () => {
    expect(stableStringify({ b: 1, a: [2, { d: undefined, c: "x" }], e: undefined })).toBe('{"a":[2,{"c":"x"}],"b":1}');
    expect(stableStringify([undefined, null])).toBe("[null,null]");
    expect(stableStringify(undefined)).toBe("null");
    expect(stableStringify({ "": 0, a: {} })).toBe('{"":0,"a":{}}');
    expect(digest({ x: 1, y: 2 })).toBe(digest({ y: 2, x: 1 }));
    expect(digest({ x: 1 })).not.toBe(digest({ x: "1" }));
  });
});
