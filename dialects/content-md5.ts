import { createHash } from "node:crypto";

export interface ContentMd5Problem {
  /** malformed: not a base64 128-bit digest; mismatch: a digest, but not the body's. */
  kind: "malformed" | "mismatch";
  given: string;
  /** The body's MD5, base64. */
  actual: string;
}

/**
 * What is wrong with a request's Content-MD5 header, if anything (undefined when it is absent or
 * right). The SDKs of several providers send one with every body; each dialect answers a problem
 * with its own code.
 */
export function contentMd5Problem(headers: Headers, body: Uint8Array): ContentMd5Problem | undefined {
  const header = headers.get("content-md5");
  if (header === null) return undefined;
  const given = header.trim();
  const actual = createHash("md5").update(body).digest("base64");
  if (given === actual) return undefined;
  const wellFormed = /^[A-Za-z0-9+/]{22}==$/.test(given);
  return { kind: wellFormed ? "mismatch" : "malformed", given, actual };
}
