import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { csvWorkerStats } from "../../src/core/manifest/csv-worker-client.js";
import { csvLayout, decodeKey, encodeKey, ManifestError, parseRecords, type ParseOptions, type TaskRecord } from "../../src/core/manifest/index.js";

const body = (text: string) => async () =>
  (async function* () {
    // Odd-sized chunks: records and multi-byte characters cross chunk edges.
    const bytes = new TextEncoder().encode(text);
    for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
  })();

type ReadOptions = Omit<ParseOptions, "layout">;

async function read(text: string, fields?: Parameters<typeof csvLayout>[0], options: ReadOptions = {}) {
  const out: TaskRecord[] = [];
  const reader = parseRecords(body(text), { layout: csvLayout(fields), ...options });
  let total: number;
  for (;;) {
    const next = await reader.next();
    if (next.done) {
      total = next.value;
      break;
    }
    // Batches as asked: never empty, never over the batch size.
    expect(next.value.length).toBeGreaterThan(0);
    expect(next.value.length).toBeLessThanOrEqual(options.batchSize ?? 512);
    out.push(...next.value);
  }
  return { records: out.map(({ bucket, key, versionId, ordinal }) => ({ bucket, key, versionId, ordinal })), total, full: out };
}

/** The ManifestError a read rejects with, as code, reason and record index. */
async function failure(text: string, options: ReadOptions = {}, open = body(text)) {
  try {
    for await (const _ of parseRecords(open, { layout: csvLayout(), ...options }));
  } catch (e) {
    expect(e).toBeInstanceOf(ManifestError);
    const m = e as ManifestError;
    return { code: m.code, reason: m.reason, recordIndex: m.recordIndex };
  }
  throw new Error("the read did not fail");
}

// Every case twice: parsed in this thread, and on the CSV worker thread (the path of large manifests).
describe.each([
  ["in-thread", false],
  ["on the worker", true],
])("CSV manifest reader (%s)", (_, inWorker) => {
  const read_ = (text: string, fields?: Parameters<typeof csvLayout>[0], options: ReadOptions = {}) => read(text, fields, { inWorker, ...options });
  const failure_ = (text: string, options: ReadOptions = {}, open?: ReturnType<typeof body>) => failure(text, { inWorker, ...options }, open);
  // The worker ran (a silent fallback to the in-thread path would pass every case) and every session ended on both sides.
  afterEach(async () => {
    if (inWorker) expect(await csvWorkerStats()).toEqual({ main: 0, worker: 0 });
  });
  it("maps the columns Fields names, skipping Ignore columns", async () => {
    const { records } = await read_("x,b1,k%201,v1\ny,b2,k2,v2\n", ["ignore", "bucket", "key", "versionId"]);
    expect(records).toEqual([
      { bucket: "b1", key: "k 1", versionId: "v1", ordinal: 0 },
      { bucket: "b2", key: "k2", versionId: "v2", ordinal: 1 },
    ]);
  });

  it("without Fields reads bucket,key with an optional version id", async () => {
    const { records } = await read_("b,k\nb,k2,v\n");
    expect(records).toEqual([
      { bucket: "b", key: "k", versionId: undefined, ordinal: 0 },
      { bucket: "b", key: "k2", versionId: "v", ordinal: 1 },
    ]);
  });

  it("reads quoted fields with commas, quotes and line breaks", async () => {
    const { records } = await read_('b,"a,b"\nb,"say ""x"""\nb,"two\nlines"\n', ["bucket", "key"]);
    expect(records.map((r) => r.key)).toEqual(["a,b", 'say "x"', "two\nlines"]);
  });

  it("skips records already done but counts them, and batches as asked", async () => {
    const text = Array.from({ length: 10 }, (_, i) => `b,k${i}\n`).join("");
    const { records, total } = await read_(text, ["bucket", "key"], { skip: 7, batchSize: 2 });
    expect(records.map((r) => [r.key, r.ordinal])).toEqual([
      ["k7", 7],
      ["k8", 8],
      ["k9", 9],
    ]);
    expect(total).toBe(10);
  });

  // The `+` rule must hold on its own: a key with `+` and no `%` is still encoded text.
  it("reads `+` as a space in a key that has no %XX, and keeps the key as given for the report", async () => {
    const { full } = await read_("b,a+b.txt\nb,c++\nb,plain\n", ["bucket", "key"]);
    expect(full.map((r) => [r.key, r.encodedKey])).toEqual([
      ["a b.txt", "a+b.txt"],
      ["c  ", "c++"],
      ["plain", "plain"],
    ]);
  });

  it("skips a BOM and blank lines, trims the spaces around fields, and counts an empty body as 0", async () => {
    const { records, total } = await read_("\uFEFFb1, k1 \n\nb2 ,k2, v2\n");
    expect(records).toEqual([
      { bucket: "b1", key: "k1", versionId: undefined, ordinal: 0 },
      { bucket: "b2", key: "k2", versionId: "v2", ordinal: 1 },
    ]);
    expect(total).toBe(2);
    expect(await read_("")).toEqual({ records: [], total: 0, full: [] });
  });

  it("numbers records from firstOrdinal, after the skipped ones", async () => {
    const { records, total } = await read_("b,k0\nb,k1\nb,k2\n", undefined, { firstOrdinal: 100, skip: 1 });
    expect(records.map((r) => r.ordinal)).toEqual([101, 102]);
    expect(total).toBe(3);
  });

  it("gives the records the in-thread parse gives, field for field, over many chunks and batches", async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `bucket-${i >> 9},dir/k%20${i}${i % 3 === 0 ? `,v${i}` : i % 3 === 1 ? ",\"\"" : ""}\n`);
    const text = lines.join("");
    const { full, total } = await read_(text, undefined, { batchSize: 100, skip: 5, firstOrdinal: 7 });
    const expected = await read(text, undefined, { batchSize: 100, skip: 5, firstOrdinal: 7, inWorker: false });
    expect(total).toBe(3000);
    expect(full).toEqual(expected.full);
    expect(full[0]).toEqual({ bucket: "bucket-0", key: "dir/k 5", versionId: undefined, encodedKey: "dir/k%205", ordinal: 12 });
    expect(full[1]!.versionId).toBe("v6");
    expect(full[2]!.versionId).toBe("");
  });

  it("names the line of a malformed record, counting the lines of quoted line breaks", async () => {
    expect(await failure_('b,k\nb,"two\nlines"\nb\n', { name: "data/a.csv" })).toEqual({
      code: "InvalidManifestContent",
      reason: "Line 4 of data/a.csv: expected 2 to 3 columns, found 1",
      recordIndex: 2,
    });
    expect(await failure_("b,k\nb,%zz\n", { firstOrdinal: 10 })).toEqual({
      code: "InvalidManifestContent",
      reason: 'Line 2: the key "%zz" is not valid URL encoding',
      recordIndex: 11,
    });
    expect((await failure_("b,k\n ,k\n")).reason).toBe("Line 2: the bucket is empty");
  });

  it("maps csv-parse's errors (an unclosed quote, a record over 64 KiB) to the line they name", async () => {
    expect(await failure_('b,a\nb,"c\n')).toEqual({
      code: "InvalidManifestContent",
      reason: "Line 2: Quote Not Closed: the parsing is finished with an opening quote at line 2",
      recordIndex: undefined,
    });
    expect(await failure_(`b,k\nb,${"x".repeat(70_000)}\n`, { name: "m.csv" })).toEqual({
      code: "InvalidManifestContent",
      reason: "Line 2 of m.csv: Max Record Size: record exceed the maximum number of tolerated bytes of 65536 at line 2",
      recordIndex: undefined,
    });
  });

  it("fails with the store's own error when the body breaks while streaming", async () => {
    const breaking = async () =>
      (async function* () {
        yield new TextEncoder().encode("b,k1\nb,k2\n");
        throw Object.assign(new Error("We encountered an internal error"), { code: "InternalError", status: 500 });
      })();
    expect(await failure_("", {}, breaking)).toEqual({
      code: "InternalError",
      reason: "Reading the manifest failed: InternalError (We encountered an internal error)",
      recordIndex: undefined,
    });
  });
});

describe("CSV layouts and keys", () => {
  it("refuses Fields without Bucket or Key", () => {
    expect(() => csvLayout(["key", "versionId"])).toThrow("The manifest's Fields must name both Bucket and Key");
  });

  it("decodes `+` as a space and %XX as UTF-8; encodeKey gives a key decodeKey reads back", () => {
    expect(decodeKey("a+b")).toBe("a b");
    expect(decodeKey("a+b%2Bc%20d%E2%82%AC")).toBe("a b+c d€");
    expect(encodeKey("a b+c/d€")).toBe("a%20b%2Bc/d%E2%82%AC");
    fc.assert(fc.property(fc.string({ unit: "grapheme", minLength: 1 }), (key) => decodeKey(encodeKey(key)) === key));
  });
});
