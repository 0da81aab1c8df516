import { chunked } from "../core/body.js";
import type { Tag } from "../core/model/common.js";
import type {
  Body,
  CopyObjectRequest,
  ListObjectsPage,
  ObjectAcl,
  ObjectInfo,
  ObjectRef,
  ObjectStore,
  PutObjectRequest,
} from "../core/ports.js";
import type { StoreOperation } from "./fault-injecting-store.js";

/**
 * A store that keeps nothing: every call succeeds and is counted, written bodies are read to the
 * end and dropped (their bytes counted). Objects registered with `serve` can be read, their
 * content produced on demand. For measuring the engine alone, at any scale, in flat memory.
 */
export class CountingObjectStore implements ObjectStore {
  readonly counts: Partial<Record<StoreOperation, number>> = {};
  bytesWritten = 0;
  private readonly served = new Map<string, { body: () => AsyncIterable<Uint8Array>; etag: string; size: number }>();

  /**
   * Makes bucket/key readable: each get calls `body` for a fresh stream. `size` is the size its
   * info gives (the engine parses a large manifest on its CSV worker thread).
   */
  serve(bucket: string, key: string, body: () => AsyncIterable<Uint8Array>, etag = "00000000000000000000000000000000", size = 0): void {
    this.served.set(`${bucket}/${key}`, { body, etag, size });
  }

  private count(op: StoreOperation): void {
    this.counts[op] = (this.counts[op] ?? 0) + 1;
  }

  private info(ref: ObjectRef): ObjectInfo {
    return {
      bucket: ref.bucket,
      key: ref.key,
      etag: this.served.get(`${ref.bucket}/${ref.key}`)?.etag ?? "00000000000000000000000000000000",
      size: this.served.get(`${ref.bucket}/${ref.key}`)?.size ?? 0,
      lastModified: 0,
      storageClass: "STANDARD",
    };
  }

  async head(ref: ObjectRef): Promise<ObjectInfo> {
    this.count("head");
    return this.info(ref);
  }
  async get(ref: ObjectRef): Promise<{ info: ObjectInfo; body: AsyncIterable<Uint8Array> }> {
    this.count("get");
    const served = this.served.get(`${ref.bucket}/${ref.key}`);
    return { info: this.info(ref), body: served ? served.body() : chunked(new Uint8Array()) };
  }
  async put(req: PutObjectRequest): Promise<{ etag: string }> {
    this.count("put");
    const n = await drain(req.body);
    this.bytesWritten += n;
    return { etag: "00000000000000000000000000000000" };
  }
  async list(): Promise<ListObjectsPage> {
    this.count("list");
    return { objects: [] };
  }
  async delete(): Promise<{ versionId?: string }> {
    this.count("delete");
    return {};
  }
  async copy(_req: CopyObjectRequest): Promise<{ etag: string }> {
    this.count("copy");
    return { etag: "00000000000000000000000000000000" };
  }
  async getTagging(): Promise<Tag[]> {
    this.count("getTagging");
    return [];
  }
  async putTagging(): Promise<void> {
    this.count("putTagging");
  }
  async deleteTagging(): Promise<void> {
    this.count("deleteTagging");
  }
  async getAcl(): Promise<ObjectAcl> {
    this.count("getAcl");
    return {};
  }
  async putAcl(): Promise<void> {
    this.count("putAcl");
  }
  async restore(): Promise<void> {
    this.count("restore");
  }
  async putLegalHold(): Promise<void> {
    this.count("putLegalHold");
  }
  async putRetention(): Promise<void> {
    this.count("putRetention");
  }
}

async function drain(body: Body): Promise<number> {
  if (typeof body === "string") return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  let n = 0;
  for await (const chunk of body) n += chunk.byteLength;
  return n;
}
