import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PutObjectRequest } from "../../src/core/ports.js";
import { uploadBody } from "./body.js";
import { contentOf, versionHeader, type Handler, type S3Context } from "./context.js";
import { S3Error } from "./errors.js";
import { quoted } from "./headers.js";
import { putFields, writeObject } from "./objects.js";
import { completeMultipartUpload, readDocument } from "./shapes.js";

/**
 * Multipart uploads, held by the dialect: each part streamed to a file in a temporary directory
 * (never whole in memory), and on completion the parts streamed in order into one `put` of the
 * store, so any ObjectStore takes large uploads. Uploads in progress live in this process only
 * (a restart loses them, as an abandoned upload is lost in S3 after its lifecycle rule).
 */

/** S3's minimum size of every part but the last. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

interface Part {
  path: string;
  etag: string;
  size: number;
}

interface Upload {
  bucket: string;
  key: string;
  fields: Omit<PutObjectRequest, "body">;
  dir: string;
  parts: Map<number, Part>;
}

export class Multipart {
  private readonly uploads = new Map<string, Upload>();

  constructor(private readonly options: { dir?: string; minPartSize?: number } = {}) {}

  async create(fields: Omit<PutObjectRequest, "body">): Promise<string> {
    const id = randomBytes(24).toString("base64url");
    const dir = await fs.mkdtemp(join(this.options.dir ?? tmpdir(), "batchplane-upload-"));
    this.uploads.set(id, { bucket: fields.bucket, key: fields.key, fields, dir, parts: new Map() });
    return id;
  }

  upload(c: S3Context): Upload {
    const id = c.query.get("uploadId") ?? "";
    const u = this.uploads.get(id);
    if (!u || u.bucket !== c.bucket || u.key !== c.key) {
      throw new S3Error("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", { UploadId: id.slice(0, 128) });
    }
    return u;
  }

  async putPart(u: Upload, n: number, body: AsyncIterable<Uint8Array>): Promise<Part> {
    const path = join(u.dir, `${n}.${randomBytes(4).toString("hex")}`);
    const md5 = createHash("md5");
    let size = 0;
    const hashed = async function* () {
      for await (const chunk of body) {
        md5.update(chunk);
        size += chunk.byteLength;
        yield chunk;
      }
    };
    try {
      await pipeline(Readable.from(hashed()), createWriteStream(path));
    } catch (e) {
      await fs.rm(path, { force: true });
      throw e;
    }
    const part = { path, etag: md5.digest("hex"), size };
    const old = u.parts.get(n);
    u.parts.set(n, part);
    if (old) await fs.rm(old.path, { force: true });
    return part;
  }

  /** The parts named, checked as S3 checks them; their bytes, in order, as one stream. */
  parts(u: Upload, named: readonly { PartNumber: number; ETag: string }[]): AsyncIterable<Uint8Array> {
    const min = this.options.minPartSize ?? MIN_PART_SIZE;
    const chosen: Part[] = [];
    if (named.some((p, i) => i > 0 && p.PartNumber <= named[i - 1]!.PartNumber)) {
      throw new S3Error("InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.");
    }
    for (const [i, p] of named.entries()) {
      const part = u.parts.get(p.PartNumber);
      if (!part || part.etag !== p.ETag.replace(/^"|"$/g, "")) {
        throw new S3Error("InvalidPart", "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", { PartNumber: String(p.PartNumber) });
      }
      if (i < named.length - 1 && part.size < min) throw new S3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", { PartNumber: String(p.PartNumber), MinSizeAllowed: String(min) });
      chosen.push(part);
    }
    return (async function* () {
      for (const part of chosen) yield* createReadStream(part.path) as AsyncIterable<Uint8Array>;
    })();
  }

  async remove(c: S3Context): Promise<void> {
    const u = this.upload(c);
    this.uploads.delete(c.query.get("uploadId")!);
    await fs.rm(u.dir, { recursive: true, force: true });
  }
}

export const createMultipartUpload: Handler = async (c) => {
  const fields = putFields(c);
  // The bucket must exist now, not only at completion.
  if (c.objects.bucketInfo) await c.objects.bucketInfo(c.bucket);
  else await c.objects.list({ bucket: c.bucket, maxKeys: 1 });
  const uploadId = await c.uploads.create(fields);
  return { xml: { root: "InitiateMultipartUploadResult", value: { Bucket: c.bucket, Key: c.key, UploadId: uploadId } } };
};

export const uploadPart: Handler = async (c) => {
  const text = c.query.get("partNumber") ?? "";
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 10000)) throw new S3Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", { ArgumentName: "partNumber", ArgumentValue: text.slice(0, 32) });
  const u = c.uploads.upload(c);
  const part = await c.uploads.putPart(u, n, uploadBody(c.request.headers, contentOf(c)));
  return { headers: { etag: quoted(part.etag) } };
};

export const completeMultipartUpload_: Handler = async (c) => {
  const u = c.uploads.upload(c);
  const doc = readDocument(c.request.body, "CompleteMultipartUpload", completeMultipartUpload);
  const body = c.uploads.parts(u, doc.Part);
  const written = await writeObject(c, u.fields, body);
  await c.uploads.remove(c);
  return {
    headers: versionHeader(written.versionId),
    xml: { root: "CompleteMultipartUploadResult", value: { Location: `/${c.bucket}/${c.key}`, Bucket: c.bucket, Key: c.key, ETag: quoted(written.etag) } },
  };
};

export const abortMultipartUpload: Handler = async (c) => {
  await c.uploads.remove(c);
  return { status: 204 };
};
