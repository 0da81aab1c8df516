import type { Grant, Tag } from "../../src/core/model/common.js";
import type { ObjectMetadata, Operation, OperationOf, OperationType } from "../../src/core/model/operation.js";
import { truncate, XmlNode, XmlShapeError } from "../xml/index.js";
import { formatCosArn, parseBucketArn } from "./arn.js";
import type { Echo, EchoRecorder } from "./echo.js";
import { CosError } from "./errors.js";
import * as S from "./schemas.js";
import type { WireOperation } from "./shapes.js";
import { arnOf, only, optional, prune, required } from "./xml-values.js";

/**
 * The four COS operations (spec §7) as a table: the element name, the core operation types it
 * stands for, and the two directions. ListJobs names a job's operation by its element.
 */
export interface OperationCodec {
  element: string;
  types: readonly OperationType[];
  decode(node: XmlNode, echo: EchoRecorder): Operation;
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
const COPY_CHILDREN = [
  "AccessControlDirective",
  "AccessControlGrants",
  "CannedAccessControlList",
  "PrefixReplace",
  "ResourcesPrefix",
  "TargetKeyPrefix",
  "MetadataDirective",
  "ModifiedSinceConstraint",
  "UnModifiedSinceConstraint",
  "NewObjectMetadata",
  "TaggingDirective",
  "NewObjectTagging",
  "StorageClass",
  "TargetResource",
] as const;
const METADATA_CHILDREN = ["CacheControl", "ContentDisposition", "ContentEncoding", "ContentType", "HttpExpiresDate", "SSEAlgorithm", "UserMetadata"];
const at = (element: string, path: string) => `Operation/${element}/${path}`;

const putObjectCopy: OperationCodec = {
  element: COPY,
  types: ["copy"],
  decode(node, echo) {
    only(node, COPY_CHILDREN);
    const taggingDirective = directiveOf(node, "TaggingDirective");
    const taggingNode = node.child("NewObjectTagging");
    if (!taggingNode && (taggingDirective === "REPLACE" || taggingDirective === "ADD")) {
      throw new XmlShapeError(`${node.path}/NewObjectTagging`, "is required when TaggingDirective is Replaced or Add");
    }
    const metadataNode = node.child("NewObjectMetadata");
    const grantsNode = node.child("AccessControlGrants");
    const resourcesPrefix = optional(node, "ResourcesPrefix", S.keyPrefix);
    const targetKeyPrefix = optional(node, "TargetKeyPrefix", S.keyPrefix);
    for (const name of ["TargetResource", "PrefixReplace", "ResourcesPrefix", "TargetKeyPrefix", "ModifiedSinceConstraint", "UnModifiedSinceConstraint"]) {
      echo.keep(node.child(name));
    }
    echo.keep(metadataNode?.child("HttpExpiresDate"));
    return prune({
      type: "copy",
      targetBucket: arnOf(node.require("TargetResource"), parseBucketArn).bucket,
      // The prefix fields take effect only with PrefixReplace true (D-CE); otherwise they are only echoed.
      ...(optional(node, "PrefixReplace", S.booleanText)
        ? { keyPrefixReplace: true, sourceKeyPrefix: resourcesPrefix ?? "", targetKeyPrefix: targetKeyPrefix ?? "" }
        : {}),
      storageClass: optional(node, "StorageClass", S.storageClass),
      metadataDirective: directiveOf(node, "MetadataDirective"),
      metadata: metadataNode && metadataOf(metadataNode),
      taggingDirective,
      tags: taggingNode && tagsOf(taggingNode, "COSTag"),
      aclDirective: directiveOf(node, "AccessControlDirective"),
      cannedAcl: optional(node, "CannedAccessControlList", S.cannedAcl),
      grants: grantsNode && grantsOf(grantsNode),
      modifiedSince: optional(node, "ModifiedSinceConstraint", S.instant),
      unmodifiedSince: optional(node, "UnModifiedSinceConstraint", S.instant),
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
  decode(node) {
    only(node, ["ExpirationInDays", "JobTier"]);
    return { type: "restore", days: required(node, "ExpirationInDays", S.expirationInDays), tier: required(node, "JobTier", S.jobTier) };
  },
  encode(operation) {
    const op = operation as OperationOf<"restore">;
    return { ExpirationInDays: op.days, JobTier: op.tier };
  },
};

/**
 * Undocumented; in the Go SDK since v0.7.70 (spec §7). TaggingDirective Replaced (or none) sets
 * the tag set, Add merges into it; Copy has nothing to copy from and is refused.
 */
const putObjectTagging: OperationCodec = {
  element: "COSPutObjectTagging",
  types: ["putTagging", "addTagging"],
  decode(node) {
    only(node, ["TaggingDirective", "TagSet"]);
    const directive = directiveOf(node, "TaggingDirective");
    if (directive === "COPY") {
      throw new CosError("InvalidArgument", `${node.path}/TaggingDirective must be Replaced or Add for COSPutObjectTagging, got "Copy"`);
    }
    return { type: directive === "ADD" ? "addTagging" : "putTagging", tags: tagsOf(node.require("TagSet"), "COSTag") };
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
  decode(node) {
    only(node, []);
    return { type: "delete" };
  },
  encode: () => ({}),
};

export const OPERATIONS: readonly OperationCodec[] = [putObjectCopy, restoreObject, putObjectTagging, deleteObject];

/** Decodes the one child of `<Operation>`. */
export function decodeOperation(node: XmlNode, echo: EchoRecorder): Operation {
  const names = OPERATIONS.map((o) => o.element).join(", ");
  const items = node.items();
  if (items.length !== 1) throw new XmlShapeError(node.path, `must hold exactly one of ${names}; it holds ${items.length} elements`);
  const item = items[0]!;
  const codec = OPERATIONS.find((o) => o.element === item.name);
  if (!codec) throw new XmlShapeError(`${node.path}/${item.name}`, `is not a COS batch operation; expected one of ${names}`);
  return codec.decode(new XmlNode(item.element, `${node.path}/${item.name}`), echo);
}

/** The `<Operation>` content for a job's operation. */
export function encodeOperation(op: Operation, echo: Echo, ctx: ArnContext): WireOperation {
  const codec = codecOf(op);
  return codec ? { [codec.element]: codec.encode(op, echo, ctx) } : {};
}

/** The element name ListJobs reports; a core type for operations COS has no element for. */
export function operationName(op: Operation): string {
  return codecOf(op)?.element ?? op.type;
}

function codecOf(op: Operation): OperationCodec | undefined {
  return OPERATIONS.find((o) => o.types.includes(op.type));
}

// ------------------------------------------------------------------ shared pieces

/**
 * An empty directive is an unset one: the Go SDK writes `<TaggingDirective></TaggingDirective>`
 * for a caller who left it unset, meaning the default.
 */
function directiveOf(node: XmlNode, name: string): Directive | undefined {
  const given = node.child(name);
  if (given && given.element.children.length === 0 && given.text === "") return undefined;
  const d = optional(node, name, S.directive);
  return d && DIRECTIVE[d];
}

function tagsOf(node: XmlNode, itemName: string): Tag[] {
  only(node, [itemName]);
  const tags = node.all(itemName).map((t) => {
    only(t, ["Key", "Value"]);
    return { key: required(t, "Key", S.tagKey), value: optional(t, "Value", S.tagValue) ?? "" };
  });
  if (tags.length > S.MAX_OBJECT_TAGS) {
    throw new CosError("InvalidArgument", `${node.path} holds ${tags.length} tags; an object can have at most ${S.MAX_OBJECT_TAGS}`);
  }
  unique(node, tags.map((t) => t.key), "tag key");
  return tags;
}

function tagXml(t: Tag): { Key: string; Value: string } {
  return { Key: t.key, Value: t.value };
}

function grantsOf(node: XmlNode): Grant[] {
  only(node, ["COSGrant"]);
  return node.all("COSGrant").map((g) => {
    only(g, ["Grantee", "Permission"]);
    const grantee = g.require("Grantee");
    only(grantee, ["DisplayName", "Identifier", "TypeIdentifier"]);
    required(grantee, "TypeIdentifier", S.typeIdentifier);
    return prune({
      grantee: prune({ type: "id" as const, identifier: required(grantee, "Identifier", S.granteeIdentifier), displayName: optional(grantee, "DisplayName", S.headerValue) }),
      permission: required(g, "Permission", S.permission),
    });
  });
}

function metadataOf(node: XmlNode): ObjectMetadata {
  only(node, METADATA_CHILDREN);
  const userNode = node.child("UserMetadata");
  let userMetadata: Record<string, string> | undefined;
  if (userNode) {
    only(userNode, ["member"]);
    const pairs = userNode.all("member").map((m) => {
      only(m, ["Key", "Value"]);
      return [required(m, "Key", S.metadataKey), optional(m, "Value", S.headerValue) ?? ""] as const;
    });
    unique(userNode, pairs.map(([k]) => k), "metadata key");
    userMetadata = Object.fromEntries(pairs);
  }
  return prune({
    cacheControl: optional(node, "CacheControl", S.headerValue),
    contentDisposition: optional(node, "ContentDisposition", S.headerValue),
    contentEncoding: optional(node, "ContentEncoding", S.headerValue),
    contentType: optional(node, "ContentType", S.headerValue),
    httpExpiresDate: optional(node, "HttpExpiresDate", S.instant),
    sseAlgorithm: optional(node, "SSEAlgorithm", S.sseAlgorithm),
    userMetadata,
  });
}

function unique(node: XmlNode, keys: string[], what: string): void {
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) throw new CosError("InvalidArgument", `${node.path} gives the ${what} "${truncate(k)}" more than once`);
    seen.add(k);
  }
}
