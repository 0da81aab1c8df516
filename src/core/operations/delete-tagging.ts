import type { Executor } from "./types.js";

/** Removes the object's tag set. The store call's promise is the task's (see Executor). */
export const deleteTagging: Executor<"deleteTagging"> = (task, _op, { objects }) => objects.deleteTagging(task);
