import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { csvWorker, csvWorkerStats, stopCsvWorker } from "../../src/core/manifest/csv-worker-client.js";
import { csvLayout, parseRecords, type TaskRecord } from "../../src/core/manifest/index.js";

const encoder = new TextEncoder();

/** A body of `chunks` chunks of 100 lines (about 4 KB) each, counting how many chunks were pulled and whether it was returned. */
function counted(chunks: number) {
  const state = { opens: 0, pulled: 0, returned: 0 };
  const open = async () => {
    state.opens++;
    return (async function* () {
      try {
        for (let c = 0; c < chunks; c++) {
          state.pulled++;
          let text = "";
          for (let i = c * 100; i < (c + 1) * 100; i++) text += `b,k${i},${"v".repeat(30)}\n`;
          yield encoder.encode(text);
        }
      } finally {
        state.returned++;
      }
    })();
  };
  return { state, open };
}

const options = { layout: csvLayout(), inWorker: true, batchSize: 100 };

async function drain(reader: AsyncGenerator<TaskRecord[], number, undefined>, into: TaskRecord[]): Promise<number> {
  for (;;) {
    const next = await reader.next();
    if (next.done) return next.value;
    into.push(...next.value);
  }
}

afterEach(async () => {
  delete csvWorker.url;
  await stopCsvWorker();
});

describe("the CSV parse worker", () => {
  it("runs only a few batches ahead of the consumer, and a return() ends the session on both sides and returns the body", async () => {
    const { state, open } = counted(8000);
    const reader = parseRecords(open, options);
    const first = await reader.next();
    expect(first.done).toBe(false);
    // Round trips to the worker (no sleeps): had it not waited for credit it would read on through
    // the body's 32 MB. Held instead: the chunks it asked for ahead (4), two read ahead, one in the
    // parser and one parsed, of 64 KiB each, one being gathered, and the batches of 4,096 records
    // posted ahead (4) or being handed out (1): about 1.4 MB, 350 of these chunks.
    for (let i = 0; i < 50; i++) await csvWorkerStats();
    expect(state.pulled).toBeLessThan(1000);
    expect(await csvWorkerStats()).toEqual({ main: 1, worker: 1 });

    await reader.return(0);
    expect(state.returned).toBe(1);
    expect(await csvWorkerStats()).toEqual({ main: 0, worker: 0 });
  });

  it("goes on in-thread when the worker dies mid-parse: every record once, in order, the same count", async () => {
    const { state, open } = counted(300);
    const records: TaskRecord[] = [];
    const reader = parseRecords(open, options);
    const first = await reader.next();
    records.push(...(first.done ? [] : first.value));
    await stopCsvWorker();
    const total = await drain(reader, records);

    expect(total).toBe(30_000);
    expect(records.map((r) => r.ordinal)).toEqual(Array.from({ length: 30_000 }, (_, i) => i));
    expect(records[29_999]).toEqual({ bucket: "b", key: "k29999", versionId: "v".repeat(30), encodedKey: "k29999", ordinal: 29_999 });
    // The worker's body was returned and opened again for the in-thread rest.
    expect(state.opens).toBe(2);
    expect(state.returned).toBe(2);
    expect(await csvWorkerStats()).toBeUndefined();

    // The next parse starts a new worker.
    const again: TaskRecord[] = [];
    expect(await drain(parseRecords(counted(3).open, options), again)).toBe(300);
    expect(await csvWorkerStats()).toEqual({ main: 0, worker: 0 });
  });

  it("parses in-thread when the worker cannot start, and says so in a process warning", async () => {
    await stopCsvWorker();
    csvWorker.url = new URL("./no-such-worker.mjs", import.meta.url);
    const warnings: string[] = [];
    const listen = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);
    process.on("warning", listen);
    const { state, open } = counted(30);
    const records: TaskRecord[] = [];
    expect(await drain(parseRecords(open, options), records)).toBe(3000);
    process.off("warning", listen);
    expect(warnings).toEqual([expect.stringMatching(/^BATCHPLANE_CSV_WORKER: The CSV parse worker stopped \(Cannot find module .*no-such-worker\.mjs/)]);
    expect(records.map((r) => r.key)).toEqual(Array.from({ length: 3000 }, (_, i) => `k${i}`));
    expect(state.opens).toBe(1);
    expect(await csvWorkerStats()).toBeUndefined();
  });

  it("keeps a process alive while a parse waits on it, and never after", () => {
    const script = fileURLToPath(new URL("../fixtures/csv-worker-exit.ts", import.meta.url));
    const child = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 20_000 });
    expect(child.stderr).toBe("");
    // Not before the parse ended (the worker unreferenced while a parse waits: exit code 13, a
    // top-level await never settled), nor never (still referenced after it: killed at the timeout).
    expect(child.stdout).toBe("exits after 20000 records\n");
    expect(child.status).toBe(0);
  });
});
