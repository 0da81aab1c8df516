import { toSucceeded, type Executor } from "./types.js";

/** Removes the object's tag set. Not async: one store call, no frame a task (see putTagging). */
export const deleteTagging: Executor<"deleteTagging"> = (task, _op, { objects }) => objects.deleteTagging(task).then(toSucceeded);
