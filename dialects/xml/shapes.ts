import { z } from "zod";

/**
 * How a dialect declares its XML shapes: zod schemas whose kind says what an element is, with
 * metadata for what zod cannot say. The codec (codec.ts) walks them in both directions.
 *
 *   z.strictObject  a structure: members are child elements, written in key order
 *   z.array         a list: wrapped (`<Tags><member/>…</Tags>`, item name from `listOf`) or
 *                   flattened (the items repeat in the parent, `flatListOf`)
 *   z.record        a map: `<entry><key/><value/></entry>`
 *   z.date          a timestamp: ISO-8601 with milliseconds, ISO to the second, or epoch seconds
 *   z.int           an integer (within the safe range); z.bigint a long (64-bit)
 *   z.boolean       `true` / `false`
 *   anything else   text (strings, enums, and text pipes such as "digits, then a number")
 */

export type TimestampFormat = "iso" | "iso-seconds" | "epoch-seconds";

export interface XmlMeta {
  /** A wrapped list's item element. Default `member`. */
  xmlItem?: string;
  /** The list's items repeat in the parent under the member's own name. */
  xmlFlat?: boolean;
  xmlTimestamp?: TimestampFormat;
  /** Text kept as sent (outer whitespace is data): strings are trimmed when the codec is told to trim. */
  xmlRaw?: boolean;
}

export function metaOf(schema: z.ZodType): XmlMeta {
  return ((schema as unknown as { meta(): XmlMeta | undefined }).meta() ?? {}) as XmlMeta;
}

/** A wrapped list, `<Tags><Tag>…</Tag></Tags>` for `listOf(tag, "Tag")`. */
export function listOf<T extends z.ZodType>(item: T, itemName = "member") {
  return z.array(item).meta({ xmlItem: itemName });
}

/** A flattened list: each item is an element named like the member itself. */
export function flatListOf<T extends z.ZodType>(item: T) {
  return z.array(item).meta({ xmlFlat: true });
}

export function timestamp(format: TimestampFormat = "iso") {
  return z.date().meta({ xmlTimestamp: format });
}

export const LONG_MIN = -(2n ** 63n);
export const LONG_MAX = 2n ** 63n - 1n;

/** A 64-bit signed integer, read as a bigint so that no digit is lost. */
export function long() {
  return z.bigint().min(LONG_MIN).max(LONG_MAX);
}

/** Text taken as sent, outer whitespace included (a tag value, say), also by a trimming codec. */
export function raw<T extends z.ZodType>(schema: T): T {
  return schema.meta({ xmlRaw: true }) as T;
}
