import type { Executor } from "./types.js";

/** Replaces the object's whole tag set. The store call's promise is the task's (see Executor): the hot path. */
export const putTagging: Executor<"putTagging"> = (task, op, { objects }) => objects.putTagging(task, op.tags);
