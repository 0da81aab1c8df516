import { randomBytes } from "node:crypto";

/** Where the per-response ids come from; tests may inject fixed ones. */
export interface CosIds {
  /** `x-cos-request-id`, on every response: the COS Node SDK looks for it before it decides on a retry. */
  requestId(): string;
  /** `x-cos-trace-id` and `<TraceId>`, on errors only (D-RH). */
  traceId(): string;
}

let sequence = 0;

/**
 * Shaped like the service's: base64 of `<hex unix time>_<hex>_<hex>_<hex>`
 * (`NWRmYmJhYmRfMjViMjU4NjRfNmIzYV8xMDE2` = `5dfbbabd_25b25864_6b3a_1016`, spec §1).
 */
export const randomCosIds: CosIds = {
  requestId() {
    sequence = (sequence + 1) % 0x10000;
    const plain = `${Math.floor(Date.now() / 1000).toString(16)}_${randomBytes(4).toString("hex")}_${randomBytes(2).toString("hex")}_${sequence.toString(16)}`;
    return Buffer.from(plain).toString("base64");
  },
  traceId: () => Buffer.from(randomBytes(32).toString("hex")).toString("base64"),
};
