import type { z } from "zod";
import { XmlShapeError, type XmlNode } from "../xml/index.js";
import { CosError } from "./errors.js";

/**
 * Reading values out of a request body. Structure problems (an element missing, repeated,
 * unknown, or holding elements where text belongs) are XmlShapeErrors, answered MalformedXML;
 * a value that breaks a constraint is InvalidArgument. Both name the element's path.
 */

/** Refuses child elements COS does not define at this place (a misspelt name would be lost silently). */
export function only(node: XmlNode, allowed: readonly string[]): void {
  for (const item of node.items()) {
    if (!allowed.includes(item.name)) {
      throw new XmlShapeError(`${node.path}/${item.name}`, `is not an element of ${node.name}; expected ${allowed.join(", ")}`);
    }
  }
}

/** The text of an element that must hold text only. */
export function leafText(node: XmlNode): string {
  if (node.element.children.length > 0) throw new XmlShapeError(node.path, "must hold a value, not elements");
  return node.text;
}

/** Parses an element's text with a schema. */
export function value<T>(node: XmlNode, schema: z.ZodType<T, string>): T {
  return check(`${node.path}`, leafText(node), schema);
}

export function optional<T>(parent: XmlNode, name: string, schema: z.ZodType<T, string>): T | undefined {
  const c = parent.child(name);
  return c && value(c, schema);
}

export function required<T>(parent: XmlNode, name: string, schema: z.ZodType<T, string>): T {
  return value(parent.require(name), schema);
}

/** Parses a wire value (header, query parameter, element text) or throws InvalidArgument naming it. */
export function check<T>(name: string, text: string, schema: z.ZodType<T, string>): T {
  const result = schema.safeParse(text);
  if (result.success) return result.data;
  throw new CosError("InvalidArgument", `${name} ${result.error.issues[0]?.message ?? "is not valid"}`);
}
