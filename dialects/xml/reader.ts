import { SaxesParser } from "saxes";

/** A parsed element: local name (prefix dropped), attributes, child elements, and its own text. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export interface XmlLimits {
  /** Deepest nesting accepted; the job APIs need about 8. */
  maxDepth?: number;
  /** Most elements accepted in one document. */
  maxElements?: number;
}

/** The input is not a well-formed XML document, or breaks a limit; `message` says where and why. */
export class XmlSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmlSyntaxError";
  }
}

/**
 * Reads a request body into an element tree. Hostile input is refused, never expanded: any
 * DOCTYPE (and so every entity declaration) is an error, as are undefined entities, deep nesting
 * and documents with too many elements. Namespaces are tolerated and ignored (SDKs differ).
 */
export function parseXml(input: string | Uint8Array, limits: XmlLimits = {}): XmlElement {
  const maxDepth = limits.maxDepth ?? 32;
  const maxElements = limits.maxElements ?? 20_000;
  const source = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: false }).decode(input);

  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let count = 0;
  let failure: string | undefined;
  const fail = (message: string) => {
    failure ??= message;
    throw new XmlSyntaxError(failure);
  };

  parser.on("error", (e) => fail(e.message.replace(/^\d+:\d+: /, (p) => `at ${p.slice(0, -2)}: `)));
  parser.on("doctype", () => fail("a DOCTYPE (and any entity declaration) is not accepted"));
  parser.on("processinginstruction", (pi) => fail(`processing instruction <?${pi.target}?> is not accepted`));
  parser.on("opentag", (tag) => {
    if (stack.length >= maxDepth) fail(`elements are nested deeper than ${maxDepth} levels`);
    if (++count > maxElements) fail(`the document has more than ${maxElements} elements`);
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(tag.attributes)) attributes[k] = String(v);
    const el: XmlElement = { name: localName(tag.name), attributes, children: [], text: "" };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    stack.push(el);
  });
  parser.on("text", (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
    else if (t.trim() !== "") fail("text outside the root element");
  });
  parser.on("cdata", (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on("closetag", () => {
    stack.pop();
  });

  try {
    parser.write(source).close();
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw e;
    throw new XmlSyntaxError(e instanceof Error ? e.message : String(e));
  }
  if (!root) throw new XmlSyntaxError("the body holds no XML element");
  return root;
}

function localName(qualified: string): string {
  const i = qualified.indexOf(":");
  return i < 0 ? qualified : qualified.slice(i + 1);
}
