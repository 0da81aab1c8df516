import { describe, expect, it } from "vitest";
import { ossRestoreRule } from "../../../dialects/oss/restore-limits.js";

/** The per-storage-class RestoreObject limits [S-CJ] (applied through the wire: engine-run.test.ts). */
describe("OSS RestoreObject limits by storage class", () => {
  it.each([
    ["Archive", { days: 7 }, undefined],
    ["Archive", { days: 8 }, "Days must be at most 7 for Archive objects, got 8"],
    ["Archive", { days: 1, tier: "Bulk" }, "Archive objects are restored without a Tier, got Bulk"],
    ["ColdArchive", { days: 365, tier: "Bulk" }, undefined],
    ["DeepColdArchive", { days: 30, tier: "Bulk" }, "Tier must be Standard for DeepColdArchive objects, got Bulk"],
    ["DeepColdArchive", { days: 30, tier: "Standard" }, undefined],
    ["Standard", { days: 365, tier: "Bulk" }, undefined],
  ] as const)("%s %o", (storageClass, op, message) => {
    const refusal = ossRestoreRule({ type: "restore", ...op }, { storageClass });
    expect(refusal?.message).toBe(message);
    if (refusal) expect(refusal).toMatchObject({ code: "InvalidArgument", status: 400 });
  });
});
