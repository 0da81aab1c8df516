import type { z } from "zod";
import { truncate, type XmlNode } from "../xml/index.js";
import { OssWireError, type WireProblem } from "./errors.js";

/** Refuses children other than `names`: a misspelt element is an error, not silently dropped. */
export function only(node: XmlNode, names: readonly string[]): void {
  const stranger = node.childNames().find((n) => !names.includes(n));
  if (stranger !== undefined) {
    const allowed = names.length === 0 ? "it must be empty" : `expected ${names.join(", ")}`;
    throw new OssWireError("MalformedXML", `${node.path}/${stranger}: is not an element of ${node.name}; ${allowed}`);
  }
}

/** A value element's text, trimmed (or `raw`); elements inside it are MalformedXML. */
export function leafText(node: XmlNode, raw = false): string {
  if (node.childNames().length > 0) throw new OssWireError("MalformedXML", `${node.path}: must hold text, not elements`);
  return raw ? node.rawText : node.text;
}

/** A required element; absent is MissingArgument. */
export function requiredChild(node: XmlNode, name: string): XmlNode {
  const child = node.child(name);
  if (!child) throw new OssWireError("MissingArgument", `${node.path}/${name}: is required`);
  return child;
}

/** A required element's (trimmed) text; absent is MissingArgument, empty is InvalidArgument. */
export function requiredText(node: XmlNode, name: string): string {
  const child = requiredChild(node, name);
  const text = leafText(child);
  if (text === "") throw new OssWireError("InvalidArgument", `${child.path}: must not be empty`);
  return text;
}

/** An optional element's text; present but empty is InvalidArgument. */
export function optionalText(node: XmlNode, name: string): string | undefined {
  return node.has(name) ? requiredText(node, name) : undefined;
}

/** Parses `value` with `schema`; a failure is `problem` (InvalidArgument) naming `where`. */
export function checked<S extends z.ZodType>(schema: S, value: unknown, where: string, problem: WireProblem = "InvalidArgument"): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const got = typeof value === "string" ? ` (got "${truncate(value)}")` : "";
  throw new OssWireError(problem, `${where}: ${result.error.issues[0]!.message}${got}`);
}
