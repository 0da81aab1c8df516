import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareKeys } from "../../src/stores/object-versions.js";

describe("compareKeys", () => {
  it("orders keys as their UTF-8 bytes do", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
        expect(Math.sign(compareKeys(a, b))).toBe(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it("puts a character above U+FFFF after one from U+E000 to U+FFFF, unlike JavaScript's <", () => {
    expect(compareKeys("\u{1F600}", "\uFF01")).toBeGreaterThan(0);
    expect("\u{1F600}" < "\uFF01").toBe(true);
    expect(compareKeys("a", "ab")).toBeLessThan(0);
    expect(compareKeys("same", "same")).toBe(0);
  });
});
