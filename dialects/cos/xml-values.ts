import type { z } from "zod";
import { ArnError, type CosArn } from "./arn.js";
import { CosError } from "./errors.js";

/**
 * Checking wire values the shapes read as text (ARNs, times, directives) and header and query
 * values: a value that breaks a constraint is InvalidArgument naming where it was.
 */

/** Parses a wire value (header, query parameter, element text) or throws InvalidArgument naming it. */
export function check<T>(name: string, text: string, schema: z.ZodType<T, string>): T {
  const result = schema.safeParse(text);
  if (result.success) return result.data;
  throw new CosError("InvalidArgument", `${name} ${result.error.issues[0]?.message ?? "is not valid"}`);
}

/** Parses an ARN as sent at `path`, answering InvalidArgument that names the element. */
export function arnOf<A extends CosArn>(text: string, path: string, parse: (text: string) => A): A {
  try {
    return parse(text);
  } catch (e) {
    if (e instanceof ArnError) throw new CosError("InvalidArgument", `${path} ${e.problem}`);
    throw e;
  }
}

/** Drops undefined members, so that stored operations and their digests hold only what was sent. */
export function prune<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
