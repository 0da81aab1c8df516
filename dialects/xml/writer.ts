import { create } from "xmlbuilder2";

/**
 * A response body as plain data: objects become elements in key order, arrays repeat their
 * element, undefined and null are omitted, booleans and numbers are written as text, and an
 * empty object is an empty element (`<FailureReasons/>`). Keys starting with "@" are attributes.
 */
export type XmlValue = string | number | boolean | undefined | null | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

export interface XmlWriteOptions {
  /** Default namespace on the root element. */
  xmlns?: string;
  /** The `<?xml ...?>` prolog; on by default. */
  declaration?: boolean;
}

export function toXml(root: string, value: XmlObject, options: XmlWriteOptions = {}): string {
  const body: XmlObject = options.xmlns === undefined ? clean(value) : { "@xmlns": options.xmlns, ...clean(value) };
  // Characters XML cannot carry (a NUL in a user's description, say) are replaced, never written raw.
  const doc = create({ version: "1.0", encoding: "UTF-8", invalidCharReplacement: "\uFFFD" }).ele({ [root]: body });
  return doc.end({ headless: options.declaration === false, prettyPrint: false });
}

function clean(value: XmlObject): XmlObject {
  const out: XmlObject = {};
  for (const [k, v] of Object.entries(value)) {
    const c = cleanValue(v);
    if (c !== undefined) out[k] = c;
  }
  return out;
}

function cleanValue(v: XmlValue): XmlValue {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return v;
  if (Array.isArray(v)) {
    const items = v.map(cleanValue).filter((x) => x !== undefined);
    return items.length === 0 ? undefined : items;
  }
  return clean(v);
}

/** Items of a non-flattened list: `{ Tags: list(tags.map(...)) }` writes `<Tags><member>…</member></Tags>`. */
export function list(items: XmlValue[], itemName = "member"): XmlObject {
  return items.length === 0 ? {} : { [itemName]: items };
}
