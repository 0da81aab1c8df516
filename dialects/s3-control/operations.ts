import type { Grant, ObjectMetadata, Operation, OperationOf, OperationType, Tag } from "../../src/core/model/index.js";
import { bucketArn, bucketOfArn } from "./arn.js";
import type { OperationName, WireOperation } from "./shapes.js";

/**
 * JobOperation (one member per S3 operation) ↔ the core's Operation, one row per operation, both
 * directions side by side so that what is read is what is echoed back. The only wire detail the
 * core cannot hold, the copy target's ARN as submitted, travels in `arns`.
 */

export interface OperationArns {
  copyTarget?: string;
}

type Wire<N extends OperationName> = NonNullable<WireOperation[N]>;

interface Row<N extends OperationName, T extends OperationType> {
  name: N;
  type: T;
  toCore(wire: Wire<N>, path: string): Operation;
  toWire(op: OperationOf<T>, arns: OperationArns): Wire<N>;
}

const row = <N extends OperationName, T extends OperationType>(r: Row<N, T>) => r;

const ms = (d: Date | undefined) => d?.getTime();
const date = (n: number | undefined) => (n === undefined ? undefined : new Date(n));
const tagsIn = (tags: { Key: string; Value: string }[] | undefined): Tag[] | undefined => tags?.map((t) => ({ key: t.Key, value: t.Value }));
const tagsOut = (tags: Tag[] | undefined) => tags?.map((t) => ({ Key: t.key, Value: t.value }));

const GRANTEE_TYPES = { id: "id", emailAddress: "email", uri: "uri" } as const;
type WireGrant = NonNullable<Wire<"S3PutObjectCopy">["AccessControlGrants"]>[number];

/** The core requires what the model leaves optional; a grant the core refuses names its member. */
function grantsIn(grants: WireGrant[] | undefined): Grant[] | undefined {
  return grants?.map((g) => ({
    grantee: {
      type: (g.Grantee?.TypeIdentifier && GRANTEE_TYPES[g.Grantee.TypeIdentifier]) as Grant["grantee"]["type"],
      identifier: g.Grantee?.Identifier as string,
      displayName: g.Grantee?.DisplayName,
    },
    permission: g.Permission as Grant["permission"],
  }));
}

function grantsOut(grants: Grant[] | undefined): WireGrant[] | undefined {
  const types = Object.fromEntries(Object.entries(GRANTEE_TYPES).map(([w, c]) => [c, w])) as Record<string, "id" | "emailAddress" | "uri">;
  return grants?.map((g) => ({
    Grantee: { TypeIdentifier: types[g.grantee.type], Identifier: g.grantee.identifier, DisplayName: g.grantee.displayName },
    Permission: g.permission,
  }));
}

type WireMetadata = NonNullable<Wire<"S3PutObjectCopy">["NewObjectMetadata"]>;

/** S3ObjectMetadata member ↔ core field; HttpExpiresDate is the one timestamp. */
const METADATA_FIELDS: [keyof WireMetadata, keyof ObjectMetadata][] = [
  ["CacheControl", "cacheControl"],
  ["ContentDisposition", "contentDisposition"],
  ["ContentEncoding", "contentEncoding"],
  ["ContentLanguage", "contentLanguage"],
  ["UserMetadata", "userMetadata"],
  ["ContentLength", "contentLength"],
  ["ContentMD5", "contentMD5"],
  ["ContentType", "contentType"],
  ["HttpExpiresDate", "httpExpiresDate"],
  ["RequesterCharged", "requesterCharged"],
  ["SSEAlgorithm", "sseAlgorithm"],
];

function metadataIn(m: WireMetadata | undefined): ObjectMetadata | undefined {
  if (!m) return undefined;
  const out: Record<string, unknown> = {};
  for (const [w, c] of METADATA_FIELDS) out[c] = m[w] instanceof Date ? m[w].getTime() : m[w];
  return out as ObjectMetadata;
}

function metadataOut(m: ObjectMetadata | undefined): WireMetadata | undefined {
  if (!m) return undefined;
  const out: Record<string, unknown> = {};
  for (const [w, c] of METADATA_FIELDS) out[w] = w === "HttpExpiresDate" ? date(m.httpExpiresDate) : m[c];
  return out as WireMetadata;
}

const TIERS = { BULK: "Bulk", STANDARD: "Standard" } as const;

export const OPERATION_ROWS = [
  row({
    name: "LambdaInvoke",
    type: "invokeFunction",
    toCore: (w) => ({ type: "invokeFunction", functionId: w.FunctionArn, schemaVersion: w.InvocationSchemaVersion, userArguments: w.UserArguments }),
    toWire: (o) => ({ FunctionArn: o.functionId, InvocationSchemaVersion: o.schemaVersion, UserArguments: o.userArguments }),
  }),
  row({
    name: "S3PutObjectCopy",
    type: "copy",
    toCore: (w, path) => ({
      type: "copy",
      targetBucket: bucketOfArn(w.TargetResource, `${path}/TargetResource`),
      targetKeyPrefix: w.TargetKeyPrefix,
      storageClass: w.StorageClass,
      metadataDirective: w.MetadataDirective,
      metadata: metadataIn(w.NewObjectMetadata),
      // S3 replaces the copy's tags with NewObjectTagging when it is given, else copies the source's.
      taggingDirective: w.NewObjectTagging === undefined ? undefined : "REPLACE",
      tags: tagsIn(w.NewObjectTagging),
      cannedAcl: w.CannedAccessControlList,
      grants: grantsIn(w.AccessControlGrants),
      modifiedSince: ms(w.ModifiedSinceConstraint),
      unmodifiedSince: ms(w.UnModifiedSinceConstraint),
      redirectLocation: w.RedirectLocation,
      requesterPays: w.RequesterPays,
      kmsKeyId: w.SSEAwsKmsKeyId,
      bucketKeyEnabled: w.BucketKeyEnabled,
      checksumAlgorithm: w.ChecksumAlgorithm,
      legalHold: w.ObjectLockLegalHoldStatus,
      retentionMode: w.ObjectLockMode,
      retainUntil: ms(w.ObjectLockRetainUntilDate),
    }),
    toWire: (o, arns) => ({
      TargetResource: arns.copyTarget ?? bucketArn(o.targetBucket),
      CannedAccessControlList: o.cannedAcl as Wire<"S3PutObjectCopy">["CannedAccessControlList"],
      AccessControlGrants: grantsOut(o.grants),
      MetadataDirective: o.metadataDirective === "ADD" ? undefined : o.metadataDirective,
      ModifiedSinceConstraint: date(o.modifiedSince),
      NewObjectMetadata: metadataOut(o.metadata),
      NewObjectTagging: tagsOut(o.tags),
      RedirectLocation: o.redirectLocation,
      RequesterPays: o.requesterPays,
      StorageClass: o.storageClass as Wire<"S3PutObjectCopy">["StorageClass"],
      UnModifiedSinceConstraint: date(o.unmodifiedSince),
      SSEAwsKmsKeyId: o.kmsKeyId,
      TargetKeyPrefix: o.targetKeyPrefix,
      ObjectLockLegalHoldStatus: o.legalHold,
      ObjectLockMode: o.retentionMode,
      ObjectLockRetainUntilDate: date(o.retainUntil),
      BucketKeyEnabled: o.bucketKeyEnabled,
      ChecksumAlgorithm: o.checksumAlgorithm as Wire<"S3PutObjectCopy">["ChecksumAlgorithm"],
    }),
  }),
  row({
    name: "S3PutObjectAcl",
    type: "putAcl",
    toCore: (w) => {
      const list = w.AccessControlPolicy?.AccessControlList;
      return {
        type: "putAcl",
        cannedAcl: w.AccessControlPolicy?.CannedAccessControlList,
        owner: list && { id: list.Owner.ID as string, displayName: list.Owner.DisplayName },
        grants: list && (grantsIn(list.Grants) ?? []),
      };
    },
    toWire: (o) => ({
      AccessControlPolicy: {
        AccessControlList: o.owner && { Owner: { ID: o.owner.id, DisplayName: o.owner.displayName }, Grants: grantsOut(o.grants) },
        CannedAccessControlList: o.cannedAcl as Wire<"S3PutObjectCopy">["CannedAccessControlList"],
      },
    }),
  }),
  row({
    name: "S3PutObjectTagging",
    type: "putTagging",
    toCore: (w) => ({ type: "putTagging", tags: tagsIn(w.TagSet) ?? [] }),
    toWire: (o) => ({ TagSet: tagsOut(o.tags) }),
  }),
  row({ name: "S3DeleteObjectTagging", type: "deleteTagging", toCore: () => ({ type: "deleteTagging" }), toWire: () => ({}) }),
  row({
    name: "S3InitiateRestoreObject",
    type: "restore",
    toCore: (w) => ({ type: "restore", days: w.ExpirationInDays, tier: w.GlacierJobTier && TIERS[w.GlacierJobTier] }),
    toWire: (o) => ({
      ExpirationInDays: o.days,
      GlacierJobTier: o.tier === "Bulk" ? "BULK" : o.tier === "Standard" ? "STANDARD" : undefined,
    }),
  }),
  row({
    name: "S3PutObjectLegalHold",
    type: "legalHold",
    toCore: (w) => ({ type: "legalHold", status: w.LegalHold.Status }),
    toWire: (o) => ({ LegalHold: { Status: o.status } }),
  }),
  row({
    name: "S3PutObjectRetention",
    type: "retention",
    toCore: (w) => ({
      type: "retention",
      mode: w.Retention.Mode,
      retainUntil: ms(w.Retention.RetainUntilDate),
      bypassGovernance: w.BypassGovernanceRetention,
    }),
    toWire: (o) => ({ BypassGovernanceRetention: o.bypassGovernance, Retention: { RetainUntilDate: date(o.retainUntil), Mode: o.mode } }),
  }),
  row({ name: "S3ReplicateObject", type: "replicate", toCore: () => ({ type: "replicate" }), toWire: () => ({}) }),
  row({
    name: "S3ComputeObjectChecksum",
    type: "computeChecksum",
    toCore: (w) => ({ type: "computeChecksum", algorithm: w.ChecksumAlgorithm, checksumType: w.ChecksumType }),
    toWire: (o) => ({ ChecksumAlgorithm: o.algorithm, ChecksumType: o.checksumType }),
  }),
  row({
    name: "S3UpdateObjectEncryption",
    type: "updateEncryption",
    toCore: (w) => ({
      type: "updateEncryption",
      kmsKeyId: w.ObjectEncryption["SSE-KMS"].KMSKeyArn,
      bucketKeyEnabled: w.ObjectEncryption["SSE-KMS"].BucketKeyEnabled,
    }),
    toWire: (o) => ({ ObjectEncryption: { "SSE-KMS": { KMSKeyArn: o.kmsKeyId, BucketKeyEnabled: o.bucketKeyEnabled } } }),
  }),
];

type AnyRow = { name: OperationName; type: OperationType; toCore(w: unknown, path: string): Operation; toWire(o: Operation, a: OperationArns): unknown };
const BY_NAME = new Map<string, AnyRow>(OPERATION_ROWS.map((r) => [r.name, r as unknown as AnyRow]));
const BY_TYPE = new Map<string, AnyRow>(OPERATION_ROWS.map((r) => [r.type, r as unknown as AnyRow]));

/** The one operation a validated JobOperation names, in the core's words. */
export function operationToCore(wire: WireOperation, path: string): Operation {
  const [name, value] = Object.entries(wire).find(([, v]) => v !== undefined)! as [OperationName, unknown];
  return BY_NAME.get(name)!.toCore(value, `${path}/${name}`);
}

/** The JobOperation that echoes `op`; undefined for core operations S3 has no name for. */
export function operationToWire(op: Operation, arns: OperationArns = {}): WireOperation | undefined {
  const r = BY_TYPE.get(op.type);
  return r && ({ [r.name]: r.toWire(op, arns) } as WireOperation);
}

export function operationName(op: Pick<Operation, "type">): OperationName | undefined {
  return BY_TYPE.get(op.type)?.name;
}
