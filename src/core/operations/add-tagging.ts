import type { Tag } from "../model/common.js";
import { SUCCEEDED, type Executor } from "./types.js";

/**
 * Merges the job's tags over the object's (a job tag wins on the same key). Read then write, not
 * atomic, as the providers document. The store enforces its tag limit, so an object that would end
 * up with too many tags fails its task (InvalidTag) and the job goes on.
 */
export const addTagging: Executor<"addTagging"> = async (task, op, { objects }) => {
  const current = await objects.getTagging(task);
  await objects.putTagging(task, mergeTags(current, op.tags));
  return SUCCEEDED;
};

export function mergeTags(base: readonly Tag[], extra: readonly Tag[]): Tag[] {
  const merged = new Map(base.map((t) => [t.key, t.value]));
  for (const t of extra) merged.set(t.key, t.value);
  return [...merged].map(([key, value]) => ({ key, value }));
}
