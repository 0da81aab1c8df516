import type { Grant, Tag } from "../../src/core/model/common.js";
import type { ObjectMetadata, Operation, OperationOf, OperationType } from "../../src/core/model/operation.js";
import { truncate, XmlShapeError } from "../xml/index.js";
import { formatCosArn, parseBucketArn } from "./arn.js";
import type { Echo, EchoRecorder } from "./echo.js";
import { CosError } from "./errors.js";
import * as S from "./schemas.js";
import type { WireOperation, WireOperationOut } from "./shapes.js";
import { arnOf, check, prune } from "./xml-values.js";

/**
 * The four COS operations (spec §7) as a table: the element name, the core operation types it
 * stands for, and the two directions. ListJobs names a job's operation by its element.
 */
export interface OperationCodec {
  element: string;
  types: readonly OperationType[];
  /** The element's value as the shape read it; `path` names it in messages, `echo` keeps texts. */
  decode(wire: object, path: string, echo: EchoRecorder): Operation;
  /** The element's content, in the shape of shapes.ts; `ctx` rebuilds ARNs for jobs that carry no echo. */
  encode(op: Operation, echo: Echo, ctx: ArnContext): object;
}

/** The tenant's region and appid, for ARNs rebuilt from a bucket name. */
export interface ArnContext {
  region: string;
  appid: string;
}

type Directive = "COPY" | "REPLACE" | "ADD";
const DIRECTIVE: Record<(typeof S.DIRECTIVES)[number], Directive> = { Copy: "COPY", Replaced: "REPLACE", Add: "ADD" };
const DIRECTIVE_NAME: Record<Directive, string> = { COPY: "Copy", REPLACE: "Replaced", ADD: "Add" };

const COPY = "COSPutObjectCopy";
const at = (element: string, path: string) => `Operation/${element}/${path}`;

const putObjectCopy: OperationCodec = {
  element: COPY,
  types: ["copy"],
  decode(wire, path, echo) {
    const w = wire as Copy;
    const taggingDirective = directiveOf(w.TaggingDirective, `${path}/TaggingDirective`);
    if (!w.NewObjectTagging && (taggingDirective === "REPLACE" || taggingDirective === "ADD")) {
      throw new XmlShapeError(`${path}/NewObjectTagging`, "is required when TaggingDirective is Replaced or Add");
    }
    for (const name of ["TargetResource", "PrefixReplace", "ResourcesPrefix", "TargetKeyPrefix", "ModifiedSinceConstraint", "UnModifiedSinceConstraint"] as const) {
      echo.keep(`${path}/${name}`, w[name]);
    }
    echo.keep(`${path}/NewObjectMetadata/HttpExpiresDate`, w.NewObjectMetadata?.HttpExpiresDate);
    const instant = (name: "ModifiedSinceConstraint" | "UnModifiedSinceConstraint") => w[name] === undefined ? undefined : check(`${path}/${name}`, w[name], S.instant);
    return prune({
      type: "copy",
      targetBucket: arnOf(w.TargetResource, `${path}/TargetResource`, parseBucketArn).bucket,
      // The prefix fields take effect only with PrefixReplace true (D-CE); otherwise they are only echoed.
      ...(w.PrefixReplace !== undefined && check(`${path}/PrefixReplace`, w.PrefixReplace, S.booleanText)
        ? { keyPrefixReplace: true, sourceKeyPrefix: w.ResourcesPrefix ?? "", targetKeyPrefix: w.TargetKeyPrefix ?? "" }
        : {}),
      storageClass: w.StorageClass,
      metadataDirective: directiveOf(w.MetadataDirective, `${path}/MetadataDirective`),
      metadata: w.NewObjectMetadata && metadataOf(w.NewObjectMetadata, `${path}/NewObjectMetadata`),
      taggingDirective,
      tags: w.NewObjectTagging && tagsOf(w.NewObjectTagging, `${path}/NewObjectTagging`),
      aclDirective: directiveOf(w.AccessControlDirective, `${path}/AccessControlDirective`),
      cannedAcl: w.CannedAccessControlList,
      grants: w.AccessControlGrants && grantsOf(w.AccessControlGrants),
      modifiedSince: instant("ModifiedSinceConstraint"),
      unmodifiedSince: instant("UnModifiedSinceConstraint"),
    });
  },
  encode(operation, echo, ctx) {
    const op = operation as OperationOf<"copy">;
    const text = (path: string, derive: () => string | undefined) => echo.text(at(COPY, path), derive);
    const seconds = (ms: number | undefined) => (ms === undefined ? undefined : String(Math.floor(ms / 1000)));
    return {
      AccessControlDirective: op.aclDirective && DIRECTIVE_NAME[op.aclDirective],
      AccessControlGrants: op.grants?.map((g) => ({
        Grantee: { DisplayName: g.grantee.displayName, Identifier: g.grantee.identifier, TypeIdentifier: "ID" },
        Permission: g.permission,
      })),
      CannedAccessControlList: op.cannedAcl,
      PrefixReplace: text("PrefixReplace", () => (op.keyPrefixReplace ? "true" : undefined)),
      ResourcesPrefix: text("ResourcesPrefix", () => op.sourceKeyPrefix),
      TargetKeyPrefix: text("TargetKeyPrefix", () => op.targetKeyPrefix),
      MetadataDirective: op.metadataDirective && DIRECTIVE_NAME[op.metadataDirective],
      ModifiedSinceConstraint: text("ModifiedSinceConstraint", () => seconds(op.modifiedSince)),
      UnModifiedSinceConstraint: text("UnModifiedSinceConstraint", () => seconds(op.unmodifiedSince)),
      NewObjectMetadata: op.metadata && {
        CacheControl: op.metadata.cacheControl,
        ContentDisposition: op.metadata.contentDisposition,
        ContentEncoding: op.metadata.contentEncoding,
        ContentType: op.metadata.contentType,
        HttpExpiresDate: text("NewObjectMetadata/HttpExpiresDate", () => seconds(op.metadata?.httpExpiresDate)),
        SSEAlgorithm: op.metadata.sseAlgorithm,
        UserMetadata: op.metadata.userMetadata && Object.entries(op.metadata.userMetadata).map(([Key, Value]) => ({ Key, Value })),
      },
      TaggingDirective: op.taggingDirective && DIRECTIVE_NAME[op.taggingDirective],
      NewObjectTagging: op.tags?.map(tagXml),
      StorageClass: op.storageClass,
      TargetResource: text("TargetResource", () => formatCosArn({ ...ctx, bucket: op.targetBucket })),
    };
  },
};

const restoreObject: OperationCodec = {
  element: "COSInitiateRestoreObject",
  types: ["restore"],
  decode(wire) {
    const w = wire as NonNullable<WireOperation["COSInitiateRestoreObject"]>;
    return { type: "restore", days: w.ExpirationInDays, tier: w.JobTier };
  },
  encode(operation) {
    const op = operation as OperationOf<"restore">;
    return { ExpirationInDays: String(op.days), JobTier: op.tier };
  },
};

/**
 * Undocumented; in the Go SDK since v0.7.70 (spec §7). TaggingDirective Replaced (or none) sets
 * the tag set, Add merges into it; Copy has nothing to copy from and is refused.
 */
const putObjectTagging: OperationCodec = {
  element: "COSPutObjectTagging",
  types: ["putTagging", "addTagging"],
  decode(wire, path) {
    const w = wire as NonNullable<WireOperation["COSPutObjectTagging"]>;
    const directive = directiveOf(w.TaggingDirective, `${path}/TaggingDirective`);
    if (directive === "COPY") {
      throw new CosError("InvalidArgument", `${path}/TaggingDirective must be Replaced or Add for COSPutObjectTagging, got "Copy"`);
    }
    return { type: directive === "ADD" ? "addTagging" : "putTagging", tags: tagsOf(w.TagSet, `${path}/TagSet`) };
  },
  encode(operation) {
    const op = operation as OperationOf<"putTagging" | "addTagging">;
    return { TaggingDirective: op.type === "addTagging" ? "Add" : "Replaced", TagSet: op.tags.map(tagXml) };
  },
};

/** CN-site CreateJob only: an empty element (spec §7). */
const deleteObject: OperationCodec = {
  element: "COSDeleteObject",
  types: ["delete"],
  decode: () => ({ type: "delete" }),
  encode: () => ({}),
};

export const OPERATIONS: readonly OperationCodec[] = [putObjectCopy, restoreObject, putObjectTagging, deleteObject];

/** Decodes the one operation `<Operation>` holds (the shape has refused any other element). */
export function decodeOperation(wire: WireOperation, path: string, echo: EchoRecorder): Operation {
  const names = OPERATIONS.map((o) => o.element).join(", ");
  const given = OPERATIONS.filter((o) => wire[o.element as keyof WireOperation] !== undefined);
  if (given.length !== 1) throw new XmlShapeError(path, `must hold exactly one of ${names}; it holds ${given.length} elements`);
  const codec = given[0]!;
  return codec.decode(wire[codec.element as keyof WireOperation]!, `${path}/${codec.element}`, echo);
}

/** The `<Operation>` content for a job's operation. */
export function encodeOperation(op: Operation, echo: Echo, ctx: ArnContext): WireOperationOut {
  const codec = codecOf(op);
  return codec ? { [codec.element]: codec.encode(op, echo, ctx) } : {};
}

/** The element name ListJobs reports; a core type for operations COS has no element for. */
export function operationName(op: Pick<Operation, "type">): string {
  return codecOf(op)?.element ?? op.type;
}

function codecOf(op: Pick<Operation, "type">): OperationCodec | undefined {
  return OPERATIONS.find((o) => o.types.includes(op.type));
}

// ------------------------------------------------------------------ shared pieces

type Copy = NonNullable<WireOperation["COSPutObjectCopy"]>;

/**
 * An empty directive is an unset one: the Go SDK writes `<TaggingDirective></TaggingDirective>`
 * for a caller who left it unset, meaning the default.
 */
function directiveOf(text: string | undefined, path: string): Directive | undefined {
  if (text === undefined || text === "") return undefined;
  return DIRECTIVE[check(path, text, S.directive)];
}

function tagsOf(items: { Key: string; Value?: string }[], path: string): Tag[] {
  const tags = items.map((t) => ({ key: t.Key, value: t.Value ?? "" }));
  if (tags.length > S.MAX_OBJECT_TAGS) {
    throw new CosError("InvalidArgument", `${path} holds ${tags.length} tags; an object can have at most ${S.MAX_OBJECT_TAGS}`);
  }
  unique(path, tags.map((t) => t.key), "tag key");
  return tags;
}

function tagXml(t: Tag): { Key: string; Value: string } {
  return { Key: t.key, Value: t.value };
}

function grantsOf(grants: NonNullable<Copy["AccessControlGrants"]>): Grant[] {
  return grants.map((g) =>
    prune({
      grantee: prune({ type: "id" as const, identifier: g.Grantee.Identifier, displayName: g.Grantee.DisplayName }),
      permission: g.Permission,
    }),
  );
}

function metadataOf(m: NonNullable<Copy["NewObjectMetadata"]>, path: string): ObjectMetadata {
  let userMetadata: Record<string, string> | undefined;
  if (m.UserMetadata) {
    const pairs = m.UserMetadata.map((e) => [e.Key, e.Value ?? ""] as const);
    unique(`${path}/UserMetadata`, pairs.map(([k]) => k), "metadata key");
    userMetadata = Object.fromEntries(pairs);
  }
  return prune({
    cacheControl: m.CacheControl,
    contentDisposition: m.ContentDisposition,
    contentEncoding: m.ContentEncoding,
    contentType: m.ContentType,
    httpExpiresDate: m.HttpExpiresDate === undefined ? undefined : check(`${path}/HttpExpiresDate`, m.HttpExpiresDate, S.instant),
    sseAlgorithm: m.SSEAlgorithm,
    userMetadata,
  });
}

function unique(path: string, keys: string[], what: string): void {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) throw new CosError("InvalidArgument", `${path} gives the ${what} "${truncate(k)}" more than once`);
    seen.add(k);
  }
}
