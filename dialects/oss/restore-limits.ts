import type { OperationOf, TaskRefusal } from "../../src/core/index.js";

/**
 * RestoreObject's limits by the object's storage class [S-CJ], as data: Archive 1–7 days and no
 * tier, Cold Archive 1–365 days with Standard or Bulk, Deep Cold Archive 1–365 days with Standard
 * only. CreateJob cannot know an object's class, so schemas.ts checks the widest range; these
 * rows are for each object, once its class is known: `ossRestoreRule` is the OSS policy's
 * per-object rule for restore (LifecyclePolicy.objectRules), which the engine asks with each
 * object's head before the task runs; a refusal fails that task alone, its report row carrying
 * the code, status and message.
 */

interface RestoreLimit {
  maxDays: number;
  /** The tiers the class accepts; empty: a tier may not be given. */
  tiers: readonly ("Standard" | "Bulk")[];
}

/** OSS's `x-oss-storage-class` values [S-CJ]; classes not listed are not archived and need no restore. */
export const RESTORE_LIMITS: Readonly<Record<string, RestoreLimit>> = {
  Archive: { maxDays: 7, tiers: [] },
  ColdArchive: { maxDays: 365, tiers: ["Standard", "Bulk"] },
  DeepColdArchive: { maxDays: 365, tiers: ["Standard"] },
};

/** Why OSS would refuse this restore of an object of `storageClass`, or undefined (the code is unspecified; InvalidArgument). */
export function ossRestoreRule(op: OperationOf<"restore">, object: { storageClass: string }): TaskRefusal | undefined {
  const limit = RESTORE_LIMITS[object.storageClass];
  if (!limit) return undefined;
  const refuse = (message: string): TaskRefusal => ({ code: "InvalidArgument", status: 400, message });
  if (op.days !== undefined && op.days > limit.maxDays) {
    return refuse(`Days must be at most ${limit.maxDays} for ${object.storageClass} objects, got ${op.days}`);
  }
  if (op.tier !== undefined && !limit.tiers.includes(op.tier as "Standard" | "Bulk")) {
    return refuse(
      limit.tiers.length === 0
        ? `${object.storageClass} objects are restored without a Tier, got ${op.tier}`
        : `Tier must be ${limit.tiers.join(" or ")} for ${object.storageClass} objects, got ${op.tier}`,
    );
  }
  return undefined;
}
