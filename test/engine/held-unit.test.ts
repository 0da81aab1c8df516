import { describe, expect, it } from "vitest";
import { HeldUnit } from "../../src/core/engine/job-run.js";
import type { TaskRecord } from "../../src/core/manifest/records.js";
import { failed, SUCCEEDED } from "../../src/core/operations/types.js";

const record = (ordinal: number): TaskRecord => ({ bucket: "b", key: `k${ordinal}`, encodedKey: `k${ordinal}`, versionId: undefined, ordinal });
const lease = { jobId: "j", unit: 0, start: 10, end: 16, position: 10, owner: "o", token: "t", expiresAt: 1 };
const render = (r: TaskRecord) => `${r.key}\n`;

describe("a held unit's slots", () => {
  it("records only the finished prefix, in manifest order, whatever order tasks finish in", () => {
    const unit = new HeldUnit(lease);
    unit.records.push(...[10, 11, 12, 13].map(record));
    const seqs = [unit.take(), unit.take(), unit.take()];
    unit.settle(seqs[2]!, SUCCEEDED);
    unit.settle(seqs[0]!, failed("AccessDenied", 403, "no"));
    expect(unit.finishedPrefix()).toBe(11);
    expect(unit.takeFinished(render)).toEqual({ succeeded: 0, failed: 1, rows: { succeeded: [], failed: ["k10\n"] } });
    expect(unit.finished).toBe(1);
    // More records arrive while a task is in flight; numbering carries over the step.
    unit.records.push(...[14, 15].map(record));
    const more = [unit.take(), unit.take(), unit.take()];
    unit.settle(seqs[1]!, SUCCEEDED);
    unit.settle(more[2]!, SUCCEEDED);
    expect(unit.finishedPrefix()).toBe(13);
    expect(unit.takeFinished(render).rows.succeeded).toEqual(["k11\n", "k12\n"]);
    unit.settle(more[0]!, SUCCEEDED);
    unit.settle(more[1]!, SUCCEEDED);
    unit.exhausted = true;
    expect(unit.finishedPrefix()).toBe(16);
    expect(unit.takeFinished(render).rows.succeeded).toEqual(["k13\n", "k14\n", "k15\n"]);
    expect(unit.finished).toBe(0);
  });

  it("a lost unit gives back the counts of every finished task it drops, also those past the prefix", () => {
    const unit = new HeldUnit(lease);
    unit.records.push(...[10, 11, 12].map(record));
    const seqs = [unit.take(), unit.take(), unit.take()];
    unit.settle(seqs[0]!, SUCCEEDED);
    unit.settle(seqs[2]!, failed("AccessDenied", 403, "no"));
    expect(unit.clear()).toEqual({ succeeded: 1, failed: 1 });
    expect(unit.records).toEqual([]);
    expect(unit.buffered()).toBe(false);
  });
});
