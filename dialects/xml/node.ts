import type { XmlElement } from "./reader.js";

/** What was wrong: the document's structure, an element that is missing, or a value. */
export type ShapeProblemKind = "structure" | "missing" | "value";

/**
 * A request body does not have the shape an operation expects. `path` names the element
 * (CreateJobRequest/Operation/S3PutObjectTagging/TagSet/member[2]/Key); dialects map this, by
 * `kind`, to their MalformedXML, MissingArgument or InvalidArgument-style code.
 */
export class XmlShapeError extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly kind: ShapeProblemKind = "structure",
  ) {
    super(`${path}: ${problem}`);
    this.name = "XmlShapeError";
  }
}

/**
 * Order-independent, path-aware reading of an element tree. Every accessor that fails names
 * the element's full path, so that error messages point at the problem.
 */
export class XmlNode {
  constructor(
    readonly element: XmlElement,
    readonly path: string = element.name,
  ) {}

  get name(): string {
    return this.element.name;
  }

  /** The element's text, trimmed of the layout whitespace pretty-printers add. */
  get text(): string {
    return this.element.text.trim();
  }

  /** The rawer text: only for values where inner whitespace matters and outer whitespace is data. */
  get rawText(): string {
    return this.element.text;
  }

  has(name: string): boolean {
    return this.element.children.some((c) => c.name === name);
  }

  /** The one child called `name`, if present; more than one is an error. */
  child(name: string): XmlNode | undefined {
    const found = this.element.children.filter((c) => c.name === name);
    if (found.length > 1) throw new XmlShapeError(`${this.path}/${name}`, "appears more than once");
    return found[0] && new XmlNode(found[0], `${this.path}/${name}`);
  }

  require(name: string): XmlNode {
    const c = this.child(name);
    if (!c) throw new XmlShapeError(`${this.path}/${name}`, "is required");
    return c;
  }

  /** Every child element, whatever its name (list items: `<member>`, `<Tag>`, `<COSTag>`, ...). */
  items(): XmlNode[] {
    return this.element.children.map((c, i) => new XmlNode(c, `${this.path}/${c.name}[${i + 1}]`));
  }

  /** Children called `name` (repeated, flattened lists). */
  all(name: string): XmlNode[] {
    return this.element.children
      .filter((c) => c.name === name)
      .map((c, i) => new XmlNode(c, `${this.path}/${name}[${i + 1}]`));
  }

  childNames(): string[] {
    return this.element.children.map((c) => c.name);
  }

  string(name: string): string | undefined {
    return this.child(name)?.text;
  }

  requireString(name: string): string {
    return this.require(name).text;
  }

  boolean(name: string): boolean | undefined {
    const c = this.child(name);
    if (!c) return undefined;
    const v = c.text.toLowerCase();
    if (v === "true") return true;
    if (v === "false") return false;
    throw new XmlShapeError(c.path, `must be true or false, got "${truncate(c.text)}"`);
  }

  integer(name: string): number | undefined {
    const c = this.child(name);
    if (!c) return undefined;
    return parseInteger(c.text, c.path);
  }

  requireInteger(name: string): number {
    return parseInteger(this.require(name).text, `${this.path}/${name}`);
  }
}

export function parseInteger(text: string, path: string): number {
  if (!/^-?\d{1,20}$/.test(text)) throw new XmlShapeError(path, `must be an integer, got "${truncate(text)}"`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new XmlShapeError(path, `is out of range: ${truncate(text)}`);
  return n;
}

/** ISO-8601 / RFC 3339 in UTC or with an offset, 0 to 9 fractional digits; milliseconds since the epoch. */
export function parseIsoTimestamp(text: string, path: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i.exec(text);
  const ms = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${(m[7] ?? "0").padEnd(3, "0").slice(0, 3)}${m[8]!.toUpperCase()}`) : NaN;
  if (!Number.isFinite(ms) || ms < 0) throw new XmlShapeError(path, `must be an ISO-8601 timestamp, got "${truncate(text)}"`);
  return ms;
}

export function truncate(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
