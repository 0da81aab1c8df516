import { toSucceeded, type Executor } from "./types.js";

/** Replaces the object's whole tag set. Not async: one store call, no frame a task (the hot path). */
export const putTagging: Executor<"putTagging"> = (task, op, { objects }) => objects.putTagging(task, op.tags).then(toSucceeded);
