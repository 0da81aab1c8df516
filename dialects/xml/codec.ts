import type { z } from "zod";
import { XmlShapeError, parseInteger, parseIsoTimestamp, truncate, type ShapeProblemKind } from "./node.js";
import type { XmlElement } from "./reader.js";
import { metaOf, type TimestampFormat } from "./shapes.js";
import { toXml, type XmlObject, type XmlValue, type XmlWriteOptions } from "./writer.js";

/**
 * One schema-driven XML codec for every dialect: a dialect declares its shapes as zod schemas
 * (shapes.ts says how) and this walks them, reading request elements into values of the shape
 * and writing values of the shape into the element tree `toXml` writes. Reading is
 * order-independent and takes any item name in a wrapped list (the SDKs differ); writing follows
 * the shape's member order. Every problem is an XmlShapeError naming the element's path; its
 * wording is the dialect's (`CodecWording`), its kind says whether the document's structure, a
 * missing element or a value was wrong, which is how each dialect picks its error code.
 */

type Schema = z.ZodType;
type Def = { type: string; [k: string]: unknown };

/** The phrases a dialect's error messages use (each completes "<path>: ..."). */
export interface CodecWording {
  unknown(parent: string, allowed: readonly string[]): string;
  repeated: string;
  required: string;
  /** A value element that holds an element `child`. */
  notText(child: string): string;
  /** A structure or list that holds text. */
  notElements: string;
  notBoolean(text: string): string;
  notTimestamp(text: string, format: TimestampFormat): string;
  /** A constraint the value breaks (`input` is the value, for "got ..."). Default: `describeIssue`. */
  issue(issue: z.core.$ZodIssue): string;
}

export interface CodecOptions {
  wording?: Partial<CodecWording>;
  /** Trim the text of string values (not of `raw` ones). Numbers, booleans and dates are always trimmed. */
  trim?: boolean;
  /** A present element whose text is empty reads as absent (where the SDKs send `<X></X>` for "unset"). */
  emptyIsAbsent?: boolean;
  /** A wrapped list's items must carry its item name (else any name is an item: the SDKs differ). */
  strictItems?: boolean;
  /** `TRUE` and `False` are booleans too. */
  anyCaseBooleans?: boolean;
}

export const DEFAULT_WORDING: CodecWording = {
  unknown: (parent) => `is not a member of ${parent}`,
  repeated: "appears more than once",
  required: "is required",
  notText: (child) => `must hold text, not the element <${child}>`,
  notElements: "must hold elements, not text",
  notBoolean: (text) => `must be true or false, got "${truncate(text)}"`,
  notTimestamp: (text, format) =>
    format === "epoch-seconds" ? `must be a time in seconds since the epoch, got "${truncate(text)}"` : `must be an ISO-8601 timestamp, got "${truncate(text)}"`,
  issue: (issue) => describeIssue(issue),
};

function def(schema: Schema): Def {
  return (schema as unknown as { def: Def }).def;
}

/** Optional, nullable, default, pipe and lazy wrappers hide the shape; the codec looks through them. */
export function unwrap(schema: Schema): Schema {
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
  return metaOf(schema).xmlItem ?? "member";
}

function isFlat(schema: Schema): boolean {
  const s = unwrap(schema);
  return def(s).type === "array" && metaOf(s).xmlFlat === true;
}

export class XmlCodec {
  readonly wording: CodecWording;

  constructor(private readonly options: CodecOptions = {}) {
    this.wording = { ...DEFAULT_WORDING, ...options.wording };
  }

  // ---------------------------------------------------------------- reading

  /**
   * XML element → plain value of the schema's shape, with the types the schema wants (numbers,
   * bigints, booleans, Dates). Structural problems throw; constraints are zod's to check after.
   */
  read(schema: Schema, el: XmlElement, path: string): unknown {
    const s = unwrap(schema);
    const d = def(s);
    switch (d.type) {
      case "object":
        return this.readStructure(s, el, path);
      case "array": {
        if (el.children.length === 0 && el.text.trim() !== "") throw new XmlShapeError(path, this.wording.notElements);
        const element = d.element as Schema;
        const item = itemName(s);
        return el.children.map((c, i) => {
          if (this.options.strictItems && c.name !== item) throw new XmlShapeError(`${path}/${c.name}`, this.wording.unknown(el.name, [item]));
          return this.read(element, c, `${path}/${c.name}[${i + 1}]`);
        });
      }
      case "record":
        return this.readMap(d, el, path);
      case "number":
        return parseInteger(this.leafText(el, path).trim(), path);
      case "bigint": {
        const text = this.leafText(el, path).trim();
        if (!/^-?\d{1,19}$/.test(text)) throw new XmlShapeError(path, `must be an integer, got "${truncate(text)}"`);
        return BigInt(text);
      }
      case "boolean": {
        const sent = this.leafText(el, path).trim();
        const v = this.options.anyCaseBooleans ? sent.toLowerCase() : sent;
        if (v === "true") return true;
        if (v === "false") return false;
        throw new XmlShapeError(path, this.wording.notBoolean(sent));
      }
      case "date":
        return this.readTimestamp(s, this.leafText(el, path).trim(), path);
      default: {
        // Strings and enums: as sent unless the dialect trims (in a tag value, spaces are data).
        const text = this.leafText(el, path);
        return this.options.trim && !metaOf(schema).xmlRaw && !metaOf(s).xmlRaw ? text.trim() : text;
      }
    }
  }

  private readStructure(s: Schema, el: XmlElement, path: string): Record<string, unknown> {
    const shape = shapeOf(s);
    const out: Record<string, unknown> = {};
    const members = Object.keys(shape);
    for (const child of el.children) {
      const member = Object.hasOwn(shape, child.name) ? shape[child.name] : undefined;
      if (!member) throw new XmlShapeError(`${path}/${child.name}`, this.wording.unknown(el.name, members));
      if (isFlat(member)) {
        const items = (out[child.name] ??= []) as unknown[];
        items.push(this.read(def(unwrap(member)).element as Schema, child, `${path}/${child.name}[${items.length + 1}]`));
        continue;
      }
      if (child.name in out) throw new XmlShapeError(`${path}/${child.name}`, this.wording.repeated);
      if (this.options.emptyIsAbsent && child.children.length === 0 && child.text.trim() === "") continue;
      out[child.name] = this.read(member, child, `${path}/${child.name}`);
    }
    if (el.children.length === 0 && el.text.trim() !== "") throw new XmlShapeError(path, this.wording.notElements);
    return out;
  }

  private readMap(d: Def, el: XmlElement, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    el.children.forEach((entry, i) => {
      const at = `${path}/${entry.name}[${i + 1}]`;
      const key = entry.children.filter((c) => c.name === "key");
      const value = entry.children.filter((c) => c.name === "value");
      if (key.length !== 1 || value.length !== 1) throw new XmlShapeError(at, "must hold one <key> and one <value>");
      const k = this.leafText(key[0]!, `${at}/key`);
      if (Object.hasOwn(out, k)) throw new XmlShapeError(`${at}/key`, `repeats the key "${truncate(k)}"`);
      out[k] = this.read(d.valueType as Schema, value[0]!, `${at}/value`);
    });
    return out;
  }

  private readTimestamp(s: Schema, text: string, path: string): Date {
    const format = metaOf(s).xmlTimestamp ?? "iso";
    if (format === "epoch-seconds") {
      if (!/^\d{1,12}$/.test(text)) throw new XmlShapeError(path, this.wording.notTimestamp(text, format));
      return new Date(Number(text) * 1000);
    }
    try {
      return new Date(parseIsoTimestamp(text, path));
    } catch {
      throw new XmlShapeError(path, this.wording.notTimestamp(text, format));
    }
  }

  private leafText(el: XmlElement, path: string): string {
    if (el.children.length > 0) throw new XmlShapeError(path, this.wording.notText(el.children[0]!.name));
    return el.text;
  }

  /**
   * Reads `el` as `schema` and checks every constraint; the first problem becomes an
   * XmlShapeError whose path names the element (`CreateJobRequest/Tags/member[3]/Key`).
   */
  readValidated<S extends Schema>(schema: S, el: XmlElement, root = el.name): z.output<S> {
    return this.validated(schema, this.read(schema, el, root), root);
  }

  validated<S extends Schema>(schema: S, value: unknown, root: string): z.output<S> {
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return result.data as z.output<S>;
    const issue = result.error.issues[0]!;
    const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
    const kind: ShapeProblemKind = missing ? "missing" : "value";
    throw new XmlShapeError(elementPath(schema, root, issue.path), missing ? this.wording.required : this.wording.issue(issue), kind);
  }

  // ---------------------------------------------------------------- writing

  /** A whole response body: `<root>` holding `value` written through `schema`. */
  document<S extends Schema>(root: string, schema: S, value: z.input<S>, options?: XmlWriteOptions): string {
    return toXml(root, (this.write(schema, value) ?? {}) as XmlObject, options);
  }

  /**
   * A value of the schema's shape → the XmlObject `toXml` writes: members in shape order, lists
   * wrapped or flattened, maps as entries, timestamps in the shape's format, absent members omitted.
   */
  write(schema: Schema, value: unknown): XmlValue {
    if (value === undefined || value === null) return undefined;
    const s = unwrap(schema);
    const d = def(s);
    switch (d.type) {
      case "object": {
        const out: XmlObject = {};
        const v = value as Record<string, unknown>;
        for (const [name, member] of Object.entries(shapeOf(s))) {
          if (v[name] === undefined) continue;
          // A flattened list is its items, repeated under the member's name.
          out[name] = isFlat(member) ? (v[name] as unknown[]).map((item) => this.write(def(unwrap(member)).element as Schema, item)) : this.write(member, v[name]);
        }
        return out;
      }
      case "array": {
        const items = (value as unknown[]).map((item) => this.write(d.element as Schema, item));
        return items.length === 0 ? {} : { [itemName(s)]: items };
      }
      case "record": {
        const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => ({ key: k, value: this.write(d.valueType as Schema, v) }));
        return entries.length === 0 ? {} : { entry: entries };
      }
      case "date":
        return writeTimestamp(value as Date, metaOf(s).xmlTimestamp ?? "iso");
      case "bigint":
        return String(value);
      default:
        return value as string | number | boolean;
    }
  }
}

function writeTimestamp(date: Date, format: TimestampFormat): string | number {
  if (format === "epoch-seconds") return Math.floor(date.getTime() / 1000);
  const iso = date.toISOString();
  return format === "iso-seconds" ? iso.replace(/\.\d{3}Z$/, "Z") : iso;
}

/** A zod issue in words that complete "<element path>: ...". */
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

/** A zod issue path in the element names a reader sees: list indices become `<item>[n]`. */
function elementPath(schema: Schema, root: string, path: readonly PropertyKey[]): string {
  let at = root;
  let s: Schema | undefined = schema;
  let flatName: string | undefined;
  for (const segment of path) {
    const u: Schema | undefined = s && unwrap(s);
    const d: Def | undefined = u && def(u);
    if (typeof segment === "number" && d?.type === "array") {
      // A flattened item is the member's element itself: `Parent/Member[n]`.
      at = flatName === undefined ? `${at}/${itemName(u!)}[${segment + 1}]` : `${at}[${segment + 1}]`;
      s = d.element as Schema;
      flatName = undefined;
    } else {
      at += `/${String(segment)}`;
      s = d?.type === "object" ? shapeOf(u!)[String(segment)] : d?.type === "record" ? (d.valueType as Schema) : undefined;
      flatName = s && isFlat(s) ? String(segment) : undefined;
    }
  }
  return at;
}
