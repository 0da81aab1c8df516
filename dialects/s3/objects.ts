import type { CopyObjectRequest, ObjectRef, PutObjectRequest } from "../../src/core/ports.js";
import { safeDecode } from "../signature.js";
import { uploadBody, parseRange, sliced } from "./body.js";
import { contentOf, refOf, versionHeader, type Handler, type S3Context } from "./context.js";
import { S3Error, describe } from "./errors.js";
import { aclHeaders, isoDate, lockOf, metadataOf, objectHeaders, quoted, tagsHeader } from "./headers.js";
import { deleteRequest, readDocument } from "./shapes.js";

/** Object operations: the content and the object itself. */

const DIRECTIVES = new Set(["COPY", "REPLACE"]);

function directive(c: S3Context, header: string): "COPY" | "REPLACE" | undefined {
  const value = c.request.headers.get(header);
  if (value === null) return undefined;
  if (!DIRECTIVES.has(value)) throw new S3Error("InvalidArgument", `Unknown ${header} value "${value.slice(0, 32)}"`, { ArgumentName: header });
  return value as "COPY" | "REPLACE";
}

/** After a write: the settings S3 takes as headers but the store's put does not (ACL, object lock). */
async function afterWrite(c: S3Context, ref: ObjectRef): Promise<void> {
  const acl = aclHeaders(c.request.headers);
  if (acl && acl.canned !== "private") await c.objects.putAcl(ref, acl);
  const lock = lockOf(c.request.headers);
  if (lock.legalHold) await c.objects.putLegalHold(ref, lock.legalHold);
  if (lock.retention) await c.objects.putRetention(ref, lock.retention);
}

/** The fields of a new object, from PutObject's (or CreateMultipartUpload's) headers. */
export function putFields(c: S3Context): Omit<PutObjectRequest, "body"> {
  const { contentType, metadata } = metadataOf(c.request.headers);
  const storageClass = c.request.headers.get("x-amz-storage-class") ?? undefined;
  const tags = tagsHeader(c.request.headers.get("x-amz-tagging"));
  // Checked before any byte is stored.
  aclHeaders(c.request.headers);
  lockOf(c.request.headers);
  return { bucket: c.bucket, key: c.key, contentType, metadata, storageClass, tags };
}

/** Writes an object and applies the header settings; answers as PutObject does. */
export async function writeObject(c: S3Context, fields: Omit<PutObjectRequest, "body">, body: PutObjectRequest["body"]) {
  const written = await c.objects.put({ ...fields, body });
  await afterWrite(c, { bucket: c.bucket, key: c.key, versionId: written.versionId });
  return written;
}

export const putObject: Handler = async (c) => {
  const fields = putFields(c);
  const written = await writeObject(c, fields, uploadBody(c.request.headers, contentOf(c)));
  return { headers: { etag: quoted(written.etag), ...versionHeader(written.versionId) } };
};

export const headObject: Handler = async (c) => {
  const info = await c.objects.head(refOf(c));
  return { headers: { ...objectHeaders(info), "content-length": String(info.size) } };
};

export const getObject: Handler = async (c) => {
  const { info, body } = await c.objects.get(refOf(c));
  let range;
  try {
    range = parseRange(c.request.headers.get("range"), info.size);
  } catch (e) {
    await body[Symbol.asyncIterator]().return?.();
    throw e;
  }
  const headers = objectHeaders(info);
  const override = (q: string, h: string) => {
    const v = c.query.get(q);
    if (v !== null) headers[h] = v;
  };
  override("response-content-type", "content-type");
  override("response-content-disposition", "content-disposition");
  override("response-cache-control", "cache-control");
  override("response-content-encoding", "content-encoding");
  override("response-content-language", "content-language");
  override("response-expires", "expires");
  if (!range) return { headers: { ...headers, "content-length": String(info.size) }, stream: body };
  return {
    status: 206,
    headers: { ...headers, "content-length": String(range.end - range.start + 1), "content-range": `bytes ${range.start}-${range.end}/${info.size}` },
    stream: sliced(body, range),
  };
};

export const deleteObject: Handler = async (c) => {
  const ref = refOf(c);
  const out = await c.objects.delete(ref);
  return { status: 204, headers: { ...versionHeader(out.versionId), ...(out.deleteMarker ? { "x-amz-delete-marker": "true" } : {}) } };
};

export const deleteObjects: Handler = async (c) => {
  const doc = readDocument(c.request.body, "Delete", deleteRequest);
  const deleted: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  for (const o of doc.Object) {
    try {
      const out = await c.objects.delete(o.VersionId === undefined ? { bucket: c.bucket, key: o.Key } : { bucket: c.bucket, key: o.Key, versionId: o.VersionId });
      if (!doc.Quiet) deleted.push({ Key: o.Key, VersionId: o.VersionId, DeleteMarker: out.deleteMarker, DeleteMarkerVersionId: out.deleteMarker ? out.versionId : undefined });
    } catch (e) {
      const d = describe(e);
      if (d.status === 404 && d.code === "NoSuchKey") {
        if (!doc.Quiet) deleted.push({ Key: o.Key, VersionId: o.VersionId });
        continue;
      }
      if (d.code === "NoSuchBucket") throw e;
      errors.push({ Key: o.Key, VersionId: o.VersionId, Code: d.code, Message: d.message });
    }
  }
  return { xml: { root: "DeleteResult", value: { Deleted: deleted as never, Error: errors as never } } };
};

/** `x-amz-copy-source: [/]bucket/key[?versionId=v]`, URL-encoded. */
export function copySource(value: string): ObjectRef {
  const [path, query] = value.split("?", 2) as [string, string | undefined];
  const decoded = safeDecode(path.replace(/^\//, ""));
  const slash = decoded.indexOf("/");
  if (slash <= 0 || slash === decoded.length - 1) throw new S3Error("InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey", { ArgumentName: "x-amz-copy-source" });
  const versionId = query === undefined ? null : new URLSearchParams(query).get("versionId");
  const ref: ObjectRef = { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
  if (versionId) ref.versionId = versionId;
  return ref;
}

function dateHeader(c: S3Context, name: string): number | undefined {
  const v = c.request.headers.get(name);
  if (v === null) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

export const copyObject: Handler = async (c) => {
  const source = copySource(c.request.headers.get("x-amz-copy-source")!);
  const metadataDirective = directive(c, "x-amz-metadata-directive");
  const taggingDirective = directive(c, "x-amz-tagging-directive");
  const { metadata, contentType } = metadataOf(c.request.headers);
  const lock = lockOf(c.request.headers);
  const acl = aclHeaders(c.request.headers);
  const req: CopyObjectRequest = {
    source,
    target: { bucket: c.bucket, key: c.key },
    metadataDirective,
    metadata: metadataDirective === "REPLACE" ? { ...metadata, ...(contentType ? { contentType } : {}) } : undefined,
    storageClass: c.request.headers.get("x-amz-storage-class") ?? undefined,
    taggingDirective,
    tags: taggingDirective === "REPLACE" ? (tagsHeader(c.request.headers.get("x-amz-tagging")) ?? []) : undefined,
    acl,
    modifiedSince: dateHeader(c, "x-amz-copy-source-if-modified-since"),
    unmodifiedSince: dateHeader(c, "x-amz-copy-source-if-unmodified-since"),
    ...lock,
  };
  const sse = c.request.headers.get("x-amz-server-side-encryption");
  if (sse !== null) req.encryption = sse === "aws:kms" ? { type: "kms", kmsKeyId: c.request.headers.get("x-amz-server-side-encryption-aws-kms-key-id") ?? undefined } : { type: "managed" };
  for (const k of Object.keys(req) as (keyof CopyObjectRequest)[]) if (req[k] === undefined) delete req[k];
  const written = await c.objects.copy(req);
  const info = await c.objects.head({ bucket: c.bucket, key: c.key, versionId: written.versionId }).catch(() => undefined);
  return {
    headers: { ...versionHeader(written.versionId), ...(source.versionId ? { "x-amz-copy-source-version-id": source.versionId } : {}) },
    xml: { root: "CopyObjectResult", value: { ETag: quoted(written.etag), LastModified: isoDate(info?.lastModified ?? Date.now()) } },
  };
};
