import { randomUUID } from "node:crypto";
import type { IdSource } from "./ports.js";

export const randomIds: IdSource = { uuid: () => randomUUID() };

/**
 * Predictable UUIDs for tests: 00000000-0000-4000-8000-000000000001, ...002, ... (valid v4 shape,
 * so every dialect's id format accepts them).
 */
export class SequentialIds implements IdSource {
  private n = 0;
  constructor(private readonly prefix = "00000000") {
    if (!/^[0-9a-f]{8}$/.test(prefix)) throw new RangeError("prefix must be 8 lowercase hex digits");
  }
  uuid(): string {
    this.n += 1;
    return `${this.prefix}-0000-4000-8000-${this.n.toString(16).padStart(12, "0")}`;
  }
}
