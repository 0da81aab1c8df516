import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvLayout, decodeKey, encodeKey, parseRecords, type TaskRecord } from "../../src/core/manifest/index.js";

const body = (text: string) => async () =>
  (async function* () {
    // Odd-sized chunks: records and multi-byte characters cross chunk edges.
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
  })();

async function read(text: string, fields?: Parameters<typeof csvLayout>[0], options: { skip?: number; batchSize?: number } = {}) {
  const out: TaskRecord[] = [];
  const reader = parseRecords(body(text), { layout: csvLayout(fields), ...options });
  let total: number;
  for (;;) {
    const next = await reader.next();
    if (next.done) {
      total = next.value;
      break;
    }
    out.push(...next.value);
  }
  return { records: out.map(({ bucket, key, versionId, ordinal }) => ({ bucket, key, versionId, ordinal })), total };
}

describe("CSV manifest reader", () => {
  it("maps the columns Fields names, skipping Ignore columns", async () => {
    const { records } = await read("x,b1,k%201,v1\ny,b2,k2,v2\n", ["ignore", "bucket", "key", "versionId"]);
    expect(records).toEqual([
      { bucket: "b1", key: "k 1", versionId: "v1", ordinal: 0 },
      { bucket: "b2", key: "k2", versionId: "v2", ordinal: 1 },
    ]);
  });

  it("without Fields reads bucket,key with an optional version id", async () => {
    const { records } = await read("b,k\nb,k2,v\n");
    expect(records).toEqual([
      { bucket: "b", key: "k", versionId: undefined, ordinal: 0 },
      { bucket: "b", key: "k2", versionId: "v", ordinal: 1 },
    ]);
  });

  it("reads quoted fields with commas, quotes and line breaks", async () => {
    const { records } = await read('b,"a,b"\nb,"say ""x"""\nb,"two\nlines"\n', ["bucket", "key"]);
    expect(records.map((r) => r.key)).toEqual(["a,b", 'say "x"', "two\nlines"]);
  });

  it("skips records already done but counts them, and batches as asked", async () => {
    const text = Array.from({ length: 10 }, (_, i) => `b,k${i}\n`).join("");
    const { records, total } = await read(text, ["bucket", "key"], { skip: 7, batchSize: 2 });
    expect(records.map((r) => [r.key, r.ordinal])).toEqual([
      ["k7", 7],
      ["k8", 8],
      ["k9", 9],
    ]);
    expect(total).toBe(10);
  });

  it("refuses Fields without Bucket or Key", () => {
    expect(() => csvLayout(["key", "versionId"])).toThrow("The manifest's Fields must name both Bucket and Key");
  });

  // The `+` rule must hold on its own: a key with `+` and no `%` is still encoded text.
  it("reads `+` as a space in a key that has no %XX, and keeps the key as given for the report", async () => {
    const reader = parseRecords(body("b,a+b.txt\nb,c++\nb,plain\n"), { layout: csvLayout(["bucket", "key"]) });
    const first = await reader.next();
    const records = first.done ? [] : first.value;
    expect(records.map((r) => [r.key, r.encodedKey])).toEqual([
      ["a b.txt", "a+b.txt"],
      ["c  ", "c++"],
      ["plain", "plain"],
    ]);
    expect(decodeKey("a+b")).toBe("a b");
  });

  it("decodes `+` as a space and %XX as UTF-8; encodeKey gives a key decodeKey reads back", () => {
    expect(decodeKey("a+b%2Bc%20d%E2%82%AC")).toBe("a b+c d€");
    expect(encodeKey("a b+c/d€")).toBe("a%20b%2Bc/d%E2%82%AC");
    fc.assert(fc.property(fc.string({ unit: "grapheme", minLength: 1 }), (key) => decodeKey(encodeKey(key)) === key));
  });
});
