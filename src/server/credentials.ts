import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { Credential, CredentialsPort } from "../../dialects/signature.js";
import { JsonPositionError, parseJsonWithPositions } from "./json-positions.js";

export type { Credential, CredentialsPort } from "../../dialects/signature.js";

/**
 * The credentials file (`--credentials FILE`): the keys each dialect's requests must be signed
 * with, and an optional admin token for the admin API.
 *
 * ```json
 * { "adminToken": "...",
 *   "credentials": [
 *     { "dialect": "s3-control", "accessKeyId": "AKIA...", "secretAccessKey": "...", "account": "123456789012" },
 *     { "dialect": "oss", "accessKeyId": "LTAI...", "secretAccessKey": "...", "account": "1234567890123456" },
 *     { "dialect": "cos", "accessKeyId": "AKID...", "secretAccessKey": "...", "account": "1250000000" } ] }
 * ```
 */

const nonEmpty = (what: string) => z.string({ error: `${what} must be a string` }).min(1, `${what} must not be empty`);

/** What each dialect's account looks like: S3 a 12-digit id, COS an APPID, OSS a numeric account id. */
const ACCOUNT_SHAPES: Record<string, { pattern: RegExp; says: string }> = {
  "s3-control": { pattern: /^\d{12}$/, says: "a 12-digit AWS account id" },
  oss: { pattern: /^\d{1,32}$/, says: "the numeric Alibaba Cloud account id (UID)" },
  cos: { pattern: /^\d{1,20}$/, says: "the numeric APPID (1250000000)" },
};

const ENTRY = z
  .strictObject({
    dialect: nonEmpty("dialect"),
    accessKeyId: nonEmpty("accessKeyId").regex(/^[\x21-\x7e]+$/, "accessKeyId must be printable ASCII without spaces"),
    secretAccessKey: nonEmpty("secretAccessKey"),
    account: nonEmpty("account"),
    sessionToken: nonEmpty("sessionToken").optional(),
  })
  .superRefine((entry, ctx) => {
    const shape = ACCOUNT_SHAPES[entry.dialect];
    if (!shape) {
      ctx.addIssue({ code: "custom", path: ["dialect"], message: `dialect must be one of ${Object.keys(ACCOUNT_SHAPES).join(", ")}, got "${entry.dialect}"` });
    } else if (!shape.pattern.test(entry.account)) {
      ctx.addIssue({ code: "custom", path: ["account"], message: `account of a ${entry.dialect} key must be ${shape.says}, got "${entry.account}"` });
    }
  });

const FILE = z.strictObject({
  credentials: z.array(ENTRY, { error: "credentials must be a list of keys" }),
  adminToken: nonEmpty("adminToken").min(16, "adminToken must be at least 16 characters").optional(),
});

/** A malformed credentials file: the message names the line at fault. */
export class CredentialsFileError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${source}:${line}: ${problem}`);
    this.name = "CredentialsFileError";
  }
}

/** Keys held in memory, looked up by dialect and access key id. */
export class StaticCredentials implements CredentialsPort {
  private readonly byKey = new Map<string, Credential>();

  constructor(
    readonly entries: readonly Credential[],
    /** The admin API's bearer token, when the file carries one. */
    readonly adminToken?: string,
  ) {
    for (const e of entries) this.byKey.set(`${e.dialect}\u0000${e.accessKeyId}`, e);
  }

  find(dialect: string, accessKeyId: string): Credential | undefined {
    return this.byKey.get(`${dialect}\u0000${accessKeyId}`);
  }
}

/** Reads a credentials file's text; throws CredentialsFileError naming the line at fault. */
export function parseCredentials(text: string, source = "credentials"): StaticCredentials {
  let doc;
  try {
    doc = parseJsonWithPositions(text);
  } catch (e) {
    if (e instanceof JsonPositionError) throw new CredentialsFileError(source, e.line, `not valid JSON: ${e.message}`);
    throw e;
  }
  const result = FILE.safeParse(doc.value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
    const unknown = issue.code === "unrecognized_keys" ? [...path, issue.keys[0]!] : path;
    const named = path.length > 0 ? `${path.join(".")}: ` : "";
    throw new CredentialsFileError(source, doc.lineOf(unknown), `${named}${issue.message}`);
  }
  const seen = new Map<string, number>();
  result.data.credentials.forEach((entry, n) => {
    const key = `${entry.dialect}\u0000${entry.accessKeyId}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw new CredentialsFileError(
        source,
        doc.lineOf(["credentials", n]),
        `credentials.${n}: the ${entry.dialect} key ${entry.accessKeyId} is already listed (credentials.${first})`,
      );
    }
    seen.set(key, n);
  });
  return new StaticCredentials(result.data.credentials, result.data.adminToken);
}

/** Reads and checks a credentials file. */
export async function loadCredentials(path: string): Promise<StaticCredentials> {
  let text;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new CredentialsFileError(path, 0, `cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseCredentials(text, path);
}

/** The library option (a list of keys, or a port onto the embedder's own key store) as a port. */
export function credentialsPort(option: readonly Credential[] | CredentialsPort): CredentialsPort {
  // An array has a `find` method too: tell the list from the port first.
  return Array.isArray(option) ? new StaticCredentials(option) : (option as CredentialsPort);
}
