import type { z } from "zod";
import { parseInteger, parseIsoTimestamp, truncate, XmlShapeError, type XmlElement, type XmlObject, type XmlValue } from "../xml/index.js";

/**
 * Reads and writes XML by walking a zod schema of the service model (see schemas.ts): the
 * schema says which element is a structure, a list, a map, a number or a timestamp, so one walker
 * serves every shape. Reading is order-independent and takes any list item name (botocore and
 * the JS SDK both send `<member>`, the API Reference shows other names); writing follows the
 * model's member order and writes `<member>` items, timestamps with milliseconds, and nothing
 * for absent members.
 */

type Schema = z.ZodType;
type Def = { type: string; [k: string]: unknown };

function def(schema: Schema): Def {
  return (schema as unknown as { def: Def }).def;
}

/** Optional, nullable, default, pipe and lazy wrappers hide the shape; the codec looks through them. */
function unwrap(schema: Schema): Schema {
  for (;;) {
    const d = def(schema);
    if (d.type === "optional" || d.type === "nullable" || d.type === "default") schema = d.innerType as Schema;
    else if (d.type === "pipe") schema = d.in as Schema;
    else if (d.type === "lazy") schema = (d.getter as () => Schema)();
    else return schema;
  }
}

function shapeOf(schema: Schema): Record<string, Schema> {
  return (schema as unknown as { shape: Record<string, Schema> }).shape;
}

function itemName(schema: Schema): string {
  const meta = (schema as unknown as { meta(): { xmlItem?: string } | undefined }).meta();
  return meta?.xmlItem ?? "member";
}

// ------------------------------------------------------------------ reading

/**
 * XML element → plain value of the schema's shape, with the types the schema wants (numbers,
 * booleans, Dates). Structural problems (an unknown or repeated element, text that is no number)
 * throw XmlShapeError naming the element's path; constraints are zod's to check afterwards.
 */
export function readElement(schema: Schema, el: XmlElement, path: string): unknown {
  const s = unwrap(schema);
  const d = def(s);
  switch (d.type) {
    case "object": {
      const shape = shapeOf(s);
      const out: Record<string, unknown> = {};
      for (const child of el.children) {
        const member = Object.hasOwn(shape, child.name) ? shape[child.name] : undefined;
        if (!member) throw new XmlShapeError(`${path}/${child.name}`, `is not a member of ${el.name}`);
        if (child.name in out) throw new XmlShapeError(`${path}/${child.name}`, "appears more than once");
        out[child.name] = readElement(member, child, `${path}/${child.name}`);
      }
      if (el.children.length === 0 && el.text.trim() !== "") throw new XmlShapeError(path, "must hold elements, not text");
      return out;
    }
    case "array": {
      if (el.children.length === 0 && el.text.trim() !== "") throw new XmlShapeError(path, "must be a list of elements, not text");
      const element = d.element as Schema;
      return el.children.map((c, i) => readElement(element, c, `${path}/${c.name}[${i + 1}]`));
    }
    case "record": {
      const out: Record<string, unknown> = {};
      el.children.forEach((entry, i) => {
        const at = `${path}/${entry.name}[${i + 1}]`;
        const key = entry.children.filter((c) => c.name === "key");
        const value = entry.children.filter((c) => c.name === "value");
        if (key.length !== 1 || value.length !== 1) throw new XmlShapeError(at, "must hold one <key> and one <value>");
        const k = leafText(key[0]!, `${at}/key`);
        if (Object.hasOwn(out, k)) throw new XmlShapeError(`${at}/key`, `repeats the key "${truncate(k)}"`);
        out[k] = readElement(d.valueType as Schema, value[0]!, `${at}/value`);
      });
      return out;
    }
    case "number":
      return parseInteger(leafText(el, path).trim(), path);
    case "boolean": {
      const v = leafText(el, path).trim();
      if (v === "true") return true;
      if (v === "false") return false;
      throw new XmlShapeError(path, `must be true or false, got "${truncate(v)}"`);
    }
    case "date":
      return new Date(parseIsoTimestamp(leafText(el, path).trim(), path));
    default:
      // Strings and enums keep their text as sent: in a tag value, spaces are data.
      return leafText(el, path);
  }
}

function leafText(el: XmlElement, path: string): string {
  if (el.children.length > 0) throw new XmlShapeError(path, `must hold text, not the element <${el.children[0]!.name}>`);
  return el.text;
}

/**
 * Reads `el` as `schema` and checks every constraint; the first problem becomes an XmlShapeError
 * whose path names the element (`CreateJobRequest/Tags/member[3]/Key`).
 */
export function readValidated<S extends Schema>(schema: S, el: XmlElement, root = el.name): z.infer<S> {
  const value = readElement(schema, el, root);
  return validated(schema, value, root);
}

export function validated<S extends Schema>(schema: S, value: unknown, root: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data as z.infer<S>;
  const issue = result.error.issues[0]!;
  throw new XmlShapeError(elementPath(schema, root, issue.path), describeIssue(issue));
}

export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && /received undefined/.test(issue.message)) return "is required";
  if (issue.code === "too_big" && issue.origin === "string") return `must be at most ${String(issue.maximum)} characters long`;
  if (issue.code === "too_small" && issue.origin === "string") {
    return Number(issue.minimum) === 1 ? "must not be empty" : `must be at least ${String(issue.minimum)} characters long`;
  }
  if (issue.code === "too_big" && issue.origin === "array") return `must hold at most ${String(issue.maximum)} items`;
  if (issue.code === "too_small" && issue.origin === "array") return `must hold at least ${String(issue.minimum)} items`;
  if (issue.code === "too_big") return `must be at most ${String(issue.maximum)}`;
  if (issue.code === "too_small") return `must be at least ${String(issue.minimum)}`;
  if (issue.code === "invalid_value") return `must be one of ${issue.values.map((v) => String(v)).join(", ")}`;
  return issue.message;
}

/** A zod issue path in the element names a reader sees: list indices become `member[n]`. */
function elementPath(schema: Schema, root: string, path: readonly PropertyKey[]): string {
  let at = root;
  let s: Schema | undefined = schema;
  for (const segment of path) {
    const u: Schema | undefined = s && unwrap(s);
    const d: Def | undefined = u && def(u);
    if (typeof segment === "number" && d?.type === "array") {
      at += `/${itemName(u!)}[${segment + 1}]`;
      s = d.element as Schema;
    } else {
      at += `/${String(segment)}`;
      s = d?.type === "object" ? shapeOf(u!)[String(segment)] : d?.type === "record" ? (d.valueType as Schema) : undefined;
    }
  }
  return at;
}

// ------------------------------------------------------------------ writing

/**
 * A value of the schema's shape → the XmlObject `toXml` writes: members in model order, lists as
 * `<member>` items, maps as entries, Dates as ISO-8601 with milliseconds, absent members omitted.
 */
export function toXmlValue(schema: Schema, value: unknown): XmlValue {
  if (value === undefined || value === null) return undefined;
  const s = unwrap(schema);
  const d = def(s);
  switch (d.type) {
    case "object": {
      const out: XmlObject = {};
      const v = value as Record<string, unknown>;
      for (const [name, member] of Object.entries(shapeOf(s))) {
        if (v[name] !== undefined) out[name] = toXmlValue(member, v[name]);
      }
      return out;
    }
    case "array": {
      const items = (value as unknown[]).map((item) => toXmlValue(d.element as Schema, item));
      return items.length === 0 ? {} : { [itemName(s)]: items };
    }
    case "record": {
      const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => ({ key: k, value: toXmlValue(d.valueType as Schema, v) }));
      return entries.length === 0 ? {} : { entry: entries };
    }
    case "date":
      return (value as Date).toISOString();
    default:
      return value as string | number | boolean;
  }
}
