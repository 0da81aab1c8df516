import type { Owner } from "../../src/core/model/common.js";
import type { ObjectRef, ObjectStore } from "../../src/core/ports.js";
import type { WireRequest } from "../dialect.js";
import type { XmlObject } from "../xml/index.js";
import { S3Error } from "./errors.js";
import type { Multipart } from "./multipart.js";

/** What one operation's handler is given. */
export interface S3Context {
  request: WireRequest;
  bucket: string;
  key: string;
  query: URLSearchParams;
  objects: ObjectStore;
  /** Who owns what is listed (the signer's account when signatures are checked). */
  owner: Owner;
  region: string;
  uploads: Multipart;
}

/** What a handler answers: a status, headers, and an XML document or a streamed body. */
export interface S3Result {
  status?: number;
  headers?: Record<string, string>;
  xml?: { root: string; value: XmlObject };
  stream?: AsyncIterable<Uint8Array>;
}

export type Handler = (c: S3Context) => Promise<S3Result>;

/** The object a request names, with `?versionId=`. */
export function refOf(c: S3Context): ObjectRef {
  const versionId = c.query.get("versionId");
  return versionId === null || versionId === "" ? { bucket: c.bucket, key: c.key } : { bucket: c.bucket, key: c.key, versionId };
}

/** A store method the S3 API needs but this store lacks. */
export function needs<T>(method: T | undefined, what: string): T {
  if (method === undefined) throw new S3Error("NotImplemented", `The object store behind this server cannot ${what}`);
  return method;
}

/** An upload's bytes as they arrive: the unread stream, or the body the server read (an embedder's dispatch). */
export function contentOf(c: S3Context): AsyncIterable<Uint8Array> {
  const { stream, body } = c.request;
  return stream ?? (async function* () {
    yield body;
  })();
}

export const versionHeader = (versionId: string | undefined): Record<string, string> => (versionId === undefined ? {} : { "x-amz-version-id": versionId });
