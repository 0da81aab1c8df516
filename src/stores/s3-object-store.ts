import type * as S3 from "@aws-sdk/client-s3";
import type { Tag } from "../core/model/common.js";
import type { ObjectMetadata } from "../core/model/operation.js";
import {
  isObjectStoreError,
  ObjectStoreError,
  type Body,
  type CopyObjectRequest,
  type ListObjectsPage,
  type ListObjectsRequest,
  type ObjectAcl,
  type ObjectInfo,
  type ObjectRef,
  type ObjectStore,
  type PutObjectRequest,
  type RestoreRequest,
} from "../core/ports.js";
import type { BucketOptions } from "./memory-object-store.js";
import { MAX_OBJECT_TAGS, objectErrors as E } from "./object-rules.js";
import { checkTags, dropUndefined, mergeMetadata, mergeTags, pageSize, type Retention } from "./object-versions.js";
import { fromS3Acl, toS3AclParams } from "./s3/acl.js";
import { s3Error, type CallContext } from "./s3/errors.js";
import { signingRegion } from "./s3/region.js";

type Sdk = typeof S3;

export interface S3ObjectStoreOptions {
  /** An S3-compatible endpoint (MinIO, Ceph, moto, OSS's or COS's S3 endpoint). Default: AWS S3. */
  endpoint?: string;
  /**
   * Default: AWS_REGION, else AWS_DEFAULT_REGION (the AWS CLI's), else the shared config files;
   * with a custom endpoint and no region in the environment, us-east-1 (most S3-compatible
   * stores ignore it, and requests must be signed with some region).
   */
  region?: string;
  /** Default: the standard AWS chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style addressing (`endpoint/bucket/key`), which most S3-compatible stores need. */
  forcePathStyle?: boolean;
  /**
   * Size of each part of a multipart upload, and the size above which a body is uploaded in
   * parts rather than in one request. Default 8 MiB; at least 5 MiB (S3's minimum part size).
   */
  partSize?: number;
  /** Attempts the SDK makes for a retryable failure before the error reaches the engine (SDK default 3). */
  maxAttempts?: number;
  /** Anything else S3Client takes, passed through as is. */
  clientConfig?: Record<string, unknown>;
  /** How the SDK is loaded; default `import("@aws-sdk/client-s3")`. */
  loadSdk?: () => Promise<unknown>;
}

const MiB = 1024 * 1024;
const MIN_PART_SIZE = 5 * MiB;

/**
 * Objects in any S3-compatible store, through `@aws-sdk/client-s3` — an optional peer dependency,
 * loaded (with a dynamic import) the first time the store is used, so that batchplane works
 * without it when this store is not used.
 *
 * Every port operation maps to its S3 request; the port's directives S3 does not have (ADD for
 * metadata and tags) are resolved here by reading the source first. Tags are checked here against
 * S3's own limits (ten, no repeated key) so that every S3-compatible store refuses the same tags
 * with the same error. Errors become ObjectStoreErrors with S3's code and status; throttling, 5xx
 * and network failures are retryable.
 */
export class S3ObjectStore implements ObjectStore {
  private connection?: Promise<{ sdk: Sdk; client: S3.S3Client }>;
  private readonly partSize: number;

  constructor(private readonly options: S3ObjectStoreOptions = {}) {
    this.partSize = options.partSize ?? 8 * MiB;
    if (!Number.isInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw new RangeError(`partSize must be an integer of at least ${MIN_PART_SIZE} bytes (5 MiB), got ${options.partSize}`);
    }
  }

  // ------------------------------------------------------------------ buckets

  async createBucket(bucket: string, options: BucketOptions = {}): Promise<void> {
    const { client } = await this.connect();
    const region = await client.config.region();
    try {
      const location = region && region !== "us-east-1" ? { LocationConstraint: region as S3.BucketLocationConstraint } : undefined;
      await this.call({ op: "CreateBucket", bucket }, (s, c) =>
        c.send(new s.CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: options.objectLock || undefined, CreateBucketConfiguration: location })),
      );
    } catch (e) {
      if (!(isObjectStoreError(e) && e.code === "BucketAlreadyOwnedByYou")) throw e;
    }
    // Object lock turns versioning on by itself.
    if (options.versioning && !options.objectLock) {
      await this.call({ op: "PutBucketVersioning", bucket }, (s, c) =>
        c.send(new s.PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } })),
      );
    }
  }

  async replicationTarget(bucket: string): Promise<string | undefined> {
    try {
      const out = await this.call({ op: "GetBucketReplication", bucket }, (s, c) =>
        c.send(new s.GetBucketReplicationCommand({ Bucket: bucket })),
      );
      const arn = out.ReplicationConfiguration?.Rules?.find((r) => r.Status !== "Disabled")?.Destination?.Bucket;
      return arn?.replace(/^arn:[^:]+:s3:::/, "");
    } catch (e) {
      if (isObjectStoreError(e) && e.code === "ReplicationConfigurationNotFoundError") return undefined;
      throw e;
    }
  }

  // ------------------------------------------------------------------ objects

  async head(ref: ObjectRef): Promise<ObjectInfo> {
    const out = await this.call({ op: "HeadObject", ...ref }, (s, c) => c.send(new s.HeadObjectCommand(at(ref))));
    return objectInfo(ref, out);
  }

  async get(ref: ObjectRef): Promise<{ info: ObjectInfo; body: AsyncIterable<Uint8Array> }> {
    const out = await this.call({ op: "GetObject", ...ref }, (s, c) => c.send(new s.GetObjectCommand(at(ref))));
    // In Node the SDK's body is a Readable: an async iterable of Buffers.
    const body = (out.Body ?? (async function* () {})()) as AsyncIterable<Uint8Array>;
    return { info: objectInfo(ref, out), body };
  }

  async put(req: PutObjectRequest): Promise<{ etag: string; versionId?: string }> {
    if (req.tags) checkTags(req.tags);
    const params = {
      Bucket: req.bucket,
      Key: req.key,
      ContentType: req.contentType ?? req.metadata?.contentType,
      StorageClass: req.storageClass as S3.StorageClass | undefined,
      Tagging: req.tags && req.tags.length > 0 ? tagging(req.tags) : undefined,
      ...metadataParams(req.metadata),
    };
    const parts = inParts(req.body, this.partSize);
    const first = await parts.next();
    const second = first.done ? first : await parts.next();
    if (second.done) {
      const out = await this.call({ op: "PutObject", ...req }, (s, c) =>
        c.send(new s.PutObjectCommand({ ...params, Body: first.done ? new Uint8Array() : first.value })),
      );
      return written(out.ETag, out.VersionId);
    }
    return this.multipart(params, [first.value!, second.value], parts);
  }

  async list(req: ListObjectsRequest): Promise<ListObjectsPage> {
    const out = await this.call({ op: "ListObjectsV2", bucket: req.bucket }, (s, c) =>
      c.send(
        new s.ListObjectsV2Command({
          Bucket: req.bucket,
          Prefix: req.prefix || undefined,
          ContinuationToken: req.continuationToken,
          StartAfter: req.continuationToken === undefined ? req.startAfter : undefined,
          MaxKeys: pageSize(req.maxKeys),
        }),
      ),
    );
    const objects = (out.Contents ?? []).map(
      (o): ObjectInfo => ({
        bucket: req.bucket,
        key: o.Key!,
        etag: unquote(o.ETag),
        size: o.Size ?? 0,
        lastModified: o.LastModified?.getTime() ?? 0,
        storageClass: o.StorageClass ?? "STANDARD",
      }),
    );
    return out.IsTruncated && out.NextContinuationToken ? { objects, continuationToken: out.NextContinuationToken } : { objects };
  }

  async delete(ref: ObjectRef): Promise<{ versionId?: string; deleteMarker?: boolean }> {
    const out = await this.call({ op: "DeleteObject", ...ref }, (s, c) => c.send(new s.DeleteObjectCommand(at(ref))));
    const result: { versionId?: string; deleteMarker?: boolean } = {};
    const versionId = ref.versionId ?? out.VersionId;
    if (versionId !== undefined && versionId !== "null") result.versionId = versionId;
    if (out.DeleteMarker && ref.versionId === undefined) result.deleteMarker = true;
    return result;
  }

  async copy(req: CopyObjectRequest): Promise<{ etag: string; versionId?: string }> {
    if (req.tags) checkTags(req.tags);
    let metadataDirective = req.metadataDirective;
    let metadata = req.metadata;
    let contentType = req.metadata?.contentType;
    if (metadataDirective === "ADD") {
      // S3 has no ADD: read the source's metadata and replace it with the merge.
      const source = await this.head(req.source);
      metadata = mergeMetadata(source.metadata, req.metadata);
      contentType = req.metadata?.contentType ?? source.contentType;
      metadataDirective = "REPLACE";
    }
    let taggingDirective = req.taggingDirective;
    let tags = req.tags;
    if (taggingDirective === "ADD") {
      tags = mergeTags(await this.getTagging(req.source), req.tags ?? []);
      if (tags.length > MAX_OBJECT_TAGS) throw E.tooManyTags();
      taggingDirective = "REPLACE";
    }
    const params: S3.CopyObjectCommandInput = {
      Bucket: req.target.bucket,
      Key: req.target.key,
      CopySource: copySource(req.source),
      MetadataDirective: metadataDirective as S3.MetadataDirective | undefined,
      TaggingDirective: taggingDirective as S3.TaggingDirective | undefined,
      Tagging: taggingDirective === "REPLACE" ? tagging(tags ?? []) : undefined,
      StorageClass: req.storageClass as S3.StorageClass | undefined,
      CopySourceIfModifiedSince: date(req.modifiedSince),
      CopySourceIfUnmodifiedSince: date(req.unmodifiedSince),
      ServerSideEncryption: req.encryption ? (req.encryption.type === "kms" ? "aws:kms" : "AES256") : undefined,
      SSEKMSKeyId: req.encryption?.kmsKeyId,
      BucketKeyEnabled: req.encryption?.bucketKeyEnabled,
      ...(metadataDirective === "REPLACE" ? { ContentType: contentType, ...metadataParams(metadata) } : {}),
      ...toS3AclParams(req.acl),
    };
    const lock: Partial<S3.CopyObjectCommandInput> = {
      ObjectLockLegalHoldStatus: req.legalHold,
      ObjectLockMode: req.retention?.mode,
      ObjectLockRetainUntilDate: date(req.retention?.retainUntil),
    };
    try {
      const out = await this.call({ op: "CopyObject", ...req.target }, (s, c) => c.send(new s.CopyObjectCommand({ ...params, ...lock })));
      return written(out.CopyObjectResult?.ETag, out.VersionId);
    } catch (e) {
      if (!(isObjectStoreError(e) && e.code === "MissingUploadObjectWithObjectLockHeaders")) throw e;
      return this.copyThenLock(req, params);
    }
  }

  async getTagging(ref: ObjectRef): Promise<Tag[]> {
    const out = await this.call({ op: "GetObjectTagging", ...ref }, (s, c) => c.send(new s.GetObjectTaggingCommand(at(ref))));
    return (out.TagSet ?? []).map((t) => ({ key: t.Key!, value: t.Value ?? "" }));
  }

  async putTagging(ref: ObjectRef, tags: Tag[]): Promise<void> {
    checkTags(tags);
    await this.call({ op: "PutObjectTagging", ...ref }, (s, c) =>
      c.send(new s.PutObjectTaggingCommand({ ...at(ref), Tagging: { TagSet: tags.map((t) => ({ Key: t.key, Value: t.value })) } })),
    );
  }

  async deleteTagging(ref: ObjectRef): Promise<void> {
    await this.call({ op: "DeleteObjectTagging", ...ref }, (s, c) => c.send(new s.DeleteObjectTaggingCommand(at(ref))));
  }

  async getAcl(ref: ObjectRef): Promise<ObjectAcl> {
    const out = await this.call({ op: "GetObjectAcl", ...ref }, (s, c) => c.send(new s.GetObjectAclCommand(at(ref))));
    return fromS3Acl(out);
  }

  async putAcl(ref: ObjectRef, acl: ObjectAcl): Promise<void> {
    await this.call({ op: "PutObjectAcl", ...ref }, (s, c) =>
      c.send(new s.PutObjectAclCommand({ ...at(ref), ...toS3AclParams(acl, "private") })),
    );
  }

  async restore(ref: ObjectRef, req: RestoreRequest): Promise<void> {
    const RestoreRequest = { Days: req.days ?? 1, GlacierJobParameters: req.tier ? { Tier: req.tier } : undefined };
    await this.call({ op: "RestoreObject", ...ref }, (s, c) => c.send(new s.RestoreObjectCommand({ ...at(ref), RestoreRequest })));
  }

  async putLegalHold(ref: ObjectRef, status: "ON" | "OFF"): Promise<void> {
    await this.call({ op: "PutObjectLegalHold", ...ref }, (s, c) =>
      c.send(new s.PutObjectLegalHoldCommand({ ...at(ref), LegalHold: { Status: status } })),
    );
  }

  async putRetention(ref: ObjectRef, retention: Retention): Promise<void> {
    const set = retention.mode !== undefined || retention.retainUntil !== undefined;
    const input = {
      ...at(ref),
      // An empty retention (with bypass for GOVERNANCE) removes it.
      Retention: set ? { Mode: retention.mode, RetainUntilDate: date(retention.retainUntil) } : {},
      BypassGovernanceRetention: retention.bypassGovernance || undefined,
    };
    await this.call({ op: "PutObjectRetention", ...ref }, (s, c) => c.send(new s.PutObjectRetentionCommand(input)));
  }

  // ------------------------------------------------------------------ internals

  private connect(): Promise<{ sdk: Sdk; client: S3.S3Client }> {
    this.connection ??= (async () => {
      let sdk: Sdk;
      try {
        sdk = (await (this.options.loadSdk?.() ?? import("@aws-sdk/client-s3"))) as Sdk;
      } catch (e) {
        throw new Error(
          "S3ObjectStore needs @aws-sdk/client-s3, an optional peer dependency of batchplane: npm install @aws-sdk/client-s3",
          { cause: e },
        );
      }
      const o = this.options;
      const client = new sdk.S3Client({
        endpoint: o.endpoint,
        region: signingRegion(o),
        credentials: o.credentials,
        forcePathStyle: o.forcePathStyle,
        maxAttempts: o.maxAttempts,
        // Checksums only where S3 requires them: many S3-compatible stores reject the newer
        // default (a CRC32 trailer on every upload).
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
        ...o.clientConfig,
      });
      return { sdk, client };
    })();
    return this.connection;
  }

  /** Runs one request, turning whatever fails into an ObjectStoreError. */
  private async call<T>(ctx: CallContext, run: (sdk: Sdk, client: S3.S3Client) => Promise<T>): Promise<T> {
    const { sdk, client } = await this.connect();
    try {
      return await run(sdk, client);
    } catch (e) {
      throw await s3Error(e, ctx, (bucket) => this.bucketExists(bucket));
    }
  }

  /** Whether a bucket exists: how a bodiless 404 (a HEAD) tells NoSuchBucket from NoSuchKey. */
  private async bucketExists(bucket: string): Promise<boolean> {
    const { sdk, client } = await this.connect();
    try {
      await client.send(new sdk.HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (e) {
      return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404;
    }
  }

  private async multipart(
    params: Omit<S3.CreateMultipartUploadCommandInput, "Bucket" | "Key"> & { Bucket: string; Key: string },
    first: Uint8Array[],
    rest: AsyncGenerator<Uint8Array>,
  ): Promise<{ etag: string; versionId?: string }> {
    const ctx = { op: "MultipartUpload", bucket: params.Bucket, key: params.Key };
    const { UploadId } = await this.call(ctx, (s, c) => c.send(new s.CreateMultipartUploadCommand(params)));
    const parts: S3.CompletedPart[] = [];
    const upload = async (body: Uint8Array) => {
      const PartNumber = parts.length + 1;
      const out = await this.call(ctx, (s, c) =>
        c.send(new s.UploadPartCommand({ Bucket: params.Bucket, Key: params.Key, UploadId, PartNumber, Body: body })),
      );
      parts.push({ PartNumber, ETag: out.ETag });
    };
    try {
      for (const part of first) await upload(part);
      for await (const part of rest) await upload(part);
      const out = await this.call(ctx, (s, c) =>
        c.send(new s.CompleteMultipartUploadCommand({ Bucket: params.Bucket, Key: params.Key, UploadId, MultipartUpload: { Parts: parts } })),
      );
      return written(out.ETag, out.VersionId);
    } catch (e) {
      await this.call(ctx, (s, c) =>
        c.send(new s.AbortMultipartUploadCommand({ Bucket: params.Bucket, Key: params.Key, UploadId })),
      ).catch(() => undefined);
      throw e;
    }
  }

  /**
   * For stores that refuse object-lock headers on CopyObject (moto asks for a Content-MD5 a copy
   * cannot have): check the target bucket has object lock, copy, then set the hold and retention
   * on the new version.
   */
  private async copyThenLock(req: CopyObjectRequest, params: S3.CopyObjectCommandInput): Promise<{ etag: string; versionId?: string }> {
    const target = req.target.bucket;
    try {
      await this.call({ op: "GetObjectLockConfiguration", bucket: target }, (s, c) =>
        c.send(new s.GetObjectLockConfigurationCommand({ Bucket: target })),
      );
    } catch (e) {
      if (isObjectStoreError(e) && e.code === "ObjectLockConfigurationNotFoundError") throw E.noObjectLock(target);
      throw e;
    }
    const out = await this.call({ op: "CopyObject", ...req.target }, (s, c) => c.send(new s.CopyObjectCommand(params)));
    const ref = { ...req.target, versionId: out.VersionId };
    if (req.legalHold) await this.putLegalHold(ref, req.legalHold);
    if (req.retention) await this.putRetention(ref, req.retention);
    return written(out.CopyObjectResult?.ETag, out.VersionId);
  }
}

// ------------------------------------------------------------------ mapping helpers

/** The parameters naming one object (version). */
function at(ref: ObjectRef): { Bucket: string; Key: string; VersionId?: string } {
  return { Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId };
}

type HeadLike = Pick<
  S3.HeadObjectCommandOutput,
  | "ETag"
  | "ContentLength"
  | "LastModified"
  | "StorageClass"
  | "VersionId"
  | "ContentType"
  | "CacheControl"
  | "ContentDisposition"
  | "ContentEncoding"
  | "ContentLanguage"
  | "Expires"
  | "Metadata"
  | "Restore"
  | "ServerSideEncryption"
  | "SSEKMSKeyId"
  | "SSECustomerAlgorithm"
  | "ReplicationStatus"
  | "ObjectLockLegalHoldStatus"
  | "ObjectLockMode"
  | "ObjectLockRetainUntilDate"
>;

const ENCRYPTION: Record<string, NonNullable<ObjectInfo["encryption"]>["type"]> = {
  AES256: "managed",
  "aws:kms": "kms",
  "aws:kms:dsse": "dual-kms",
};

function objectInfo(ref: ObjectRef, out: HeadLike): ObjectInfo {
  const info: ObjectInfo = {
    bucket: ref.bucket,
    key: ref.key,
    etag: unquote(out.ETag),
    size: out.ContentLength ?? 0,
    lastModified: out.LastModified?.getTime() ?? 0,
    storageClass: out.StorageClass ?? "STANDARD",
  };
  if (out.VersionId && out.VersionId !== "null") info.versionId = out.VersionId;
  if (out.ContentType !== undefined) info.contentType = out.ContentType;
  const metadata = dropUndefined<ObjectMetadata>({
    cacheControl: out.CacheControl,
    contentDisposition: out.ContentDisposition,
    contentEncoding: out.ContentEncoding,
    contentLanguage: out.ContentLanguage,
    contentType: out.ContentType,
    httpExpiresDate: out.Expires?.getTime(),
    userMetadata: out.Metadata && Object.keys(out.Metadata).length > 0 ? out.Metadata : undefined,
  });
  if (Object.keys(metadata).length > 0) info.metadata = metadata;
  const restore = parseRestore(out.Restore);
  if (restore) info.restore = restore;
  const encryption = out.SSECustomerAlgorithm ? "customer" : out.ServerSideEncryption ? ENCRYPTION[out.ServerSideEncryption] : undefined;
  if (encryption) info.encryption = out.SSEKMSKeyId ? { type: encryption, kmsKeyId: out.SSEKMSKeyId } : { type: encryption };
  if (out.ReplicationStatus) info.replicationStatus = out.ReplicationStatus;
  if (out.ObjectLockLegalHoldStatus) info.legalHold = out.ObjectLockLegalHoldStatus;
  if (out.ObjectLockMode && out.ObjectLockRetainUntilDate) {
    info.retention = { mode: out.ObjectLockMode, retainUntil: out.ObjectLockRetainUntilDate.getTime() };
  }
  return info;
}

/** `ongoing-request="false", expiry-date="Fri, 21 Dec 2012 00:00:00 GMT"` */
function parseRestore(header: string | undefined): ObjectInfo["restore"] {
  if (!header) return undefined;
  const ongoing = /ongoing-request="(true|false)"/.exec(header)?.[1] === "true";
  const expiry = /expiry-date="([^"]+)"/.exec(header)?.[1];
  const expiryDate = expiry === undefined ? NaN : Date.parse(expiry);
  return Number.isNaN(expiryDate) ? { ongoing } : { ongoing, expiryDate };
}

function metadataParams(m: ObjectMetadata | undefined) {
  return dropUndefined({
    CacheControl: m?.cacheControl,
    ContentDisposition: m?.contentDisposition,
    ContentEncoding: m?.contentEncoding,
    ContentLanguage: m?.contentLanguage,
    Expires: date(m?.httpExpiresDate),
    Metadata: m?.userMetadata,
  });
}

/** The x-amz-tagging header: a URL-encoded query string. */
function tagging(tags: readonly Tag[]): string {
  return tags.map((t) => `${encodeURIComponent(t.key)}=${encodeURIComponent(t.value)}`).join("&");
}

/** x-amz-copy-source: bucket/key, URL-encoded (slashes kept), with the version. */
function copySource(ref: ObjectRef): string {
  const path = `${ref.bucket}/${encodeURIComponent(ref.key).replace(/%2F/g, "/")}`;
  return ref.versionId === undefined ? path : `${path}?versionId=${encodeURIComponent(ref.versionId)}`;
}

function written(etag: string | undefined, versionId: string | undefined): { etag: string; versionId?: string } {
  return versionId && versionId !== "null" ? { etag: unquote(etag), versionId } : { etag: unquote(etag) };
}

function unquote(etag: string | undefined): string {
  return (etag ?? "").replace(/^"|"$/g, "");
}

function date(ms: number | undefined): Date | undefined {
  return ms === undefined ? undefined : new Date(ms);
}


/** A body cut into parts of exactly `size` bytes (the last one shorter), read lazily. */
async function* inParts(body: Body, size: number): AsyncGenerator<Uint8Array> {
  const source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> =
    typeof body === "string" ? [Buffer.from(body, "utf8")] : body instanceof Uint8Array ? [body] : body;
  let pending: Uint8Array[] = [];
  let pendingSize = 0;
  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.byteLength) {
      const take = Math.min(size - pendingSize, chunk.byteLength - at);
      pending.push(chunk.subarray(at, at + take));
      pendingSize += take;
      at += take;
      if (pendingSize === size) {
        yield Buffer.concat(pending);
        pending = [];
        pendingSize = 0;
      }
    }
  }
  if (pendingSize > 0) yield Buffer.concat(pending);
}
