import type { z } from "zod";
import { XmlShapeError, type XmlNode } from "../xml/index.js";
import { ArnError, type CosArn } from "./arn.js";
import { CosError } from "./errors.js";
import * as S from "./schemas.js";

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

/** Parses an ARN element, answering InvalidArgument that names the element. */
export function arnOf<A extends CosArn>(node: XmlNode, parse: (text: string) => A): A {
  const text = value(node, S.arnText);
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof ArnError) throw new CosError("InvalidArgument", `${node.path} ${e.problem}`);
    throw e;
  }
}

/** Drops undefined members, so that stored operations and their digests hold only what was sent. */
export function prune<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
