import type { Grant, Owner } from "../../src/core/model/common.js";
import type { ObjectAcl } from "../../src/core/ports.js";
import { refOf, versionHeader, type Handler, type S3Context } from "./context.js";
import { S3Error } from "./errors.js";
import { aclHeaders, grantsOf, grantXml, isoDate } from "./headers.js";
import { accessControlPolicy, legalHold, readDocument, restoreRequest, retention, tagging } from "./shapes.js";

/** An object's sub-resources: tagging, ACL, restore, legal hold, retention. */

export const getObjectTagging: Handler = async (c) => {
  const ref = refOf(c);
  const tags = await c.objects.getTagging(ref);
  const info = await c.objects.head(ref).catch(() => undefined);
  return {
    headers: versionHeader(info?.versionId ?? ref.versionId),
    xml: { root: "Tagging", value: { TagSet: { Tag: tags.map((t) => ({ Key: t.key, Value: t.value })) } } },
  };
};

export const putObjectTagging: Handler = async (c) => {
  const doc = readDocument(c.request.body, "Tagging", tagging);
  const ref = refOf(c);
  await c.objects.putTagging(ref, doc.TagSet.map((t) => ({ key: t.Key, value: t.Value })));
  return { headers: versionHeader(ref.versionId) };
};

export const deleteObjectTagging: Handler = async (c) => {
  const ref = refOf(c);
  await c.objects.deleteTagging(ref);
  return { status: 204, headers: versionHeader(ref.versionId) };
};

export const getObjectAcl: Handler = async (c) => {
  const acl = await c.objects.getAcl(refOf(c));
  const owner: Owner = acl.owner ?? c.owner;
  return {
    xml: {
      root: "AccessControlPolicy",
      value: { Owner: { ID: owner.id, DisplayName: owner.displayName }, AccessControlList: { Grant: grantsOf(acl, owner).map(grantXml) } },
    },
  };
};

function aclFromBody(c: S3Context): ObjectAcl {
  const doc = readDocument(c.request.body, "AccessControlPolicy", accessControlPolicy);
  const grants: Grant[] = (doc.AccessControlList?.Grant ?? []).map((g) => {
    const e = g.Grantee;
    const grantee =
      e.ID !== undefined ? { type: "id" as const, identifier: e.ID, ...(e.DisplayName ? { displayName: e.DisplayName } : {}) }
      : e.URI !== undefined ? { type: "uri" as const, identifier: e.URI }
      : e.EmailAddress !== undefined ? { type: "email" as const, identifier: e.EmailAddress }
      : undefined;
    if (!grantee || grantee.identifier === "") throw new S3Error("MalformedXML", "Each Grantee needs an ID, a URI or an EmailAddress");
    return { grantee, permission: g.Permission };
  });
  const id = doc.Owner?.ID;
  return { ...(id ? { owner: { id, ...(doc.Owner?.DisplayName ? { displayName: doc.Owner.DisplayName } : {}) } } : {}), grants };
}

export const putObjectAcl: Handler = async (c) => {
  const acl = aclHeaders(c.request.headers) ?? (c.request.body.byteLength > 0 ? aclFromBody(c) : undefined);
  if (!acl) throw new S3Error("MissingRequestBodyError", "PutObjectAcl needs x-amz-acl, x-amz-grant-* headers or an <AccessControlPolicy> body");
  await c.objects.putAcl(refOf(c), acl);
  return {};
};

export const restoreObject: Handler = async (c) => {
  const doc = c.request.body.byteLength > 0 ? readDocument(c.request.body, "RestoreRequest", restoreRequest) : {};
  const ref = refOf(c);
  const before = await c.objects.head(ref);
  await c.objects.restore(ref, { days: doc.Days, tier: doc.GlacierJobParameters?.Tier ?? doc.Tier });
  // 202 for a new restore; 200 when a restored copy was only given a new expiry.
  return { status: before.restore && !before.restore.ongoing ? 200 : 202 };
};

/** Why an object has no lock setting of a kind: the bucket has no object lock, or none was set. */
async function noLock(c: S3Context, what: string): Promise<never> {
  const info = c.objects.bucketInfo ? await c.objects.bucketInfo(c.bucket) : undefined;
  if (info && !info.objectLock) throw new S3Error("InvalidRequest", "Bucket is missing Object Lock Configuration", { BucketName: c.bucket });
  throw new S3Error("NoSuchObjectLockConfiguration", `The specified object does not have a ${what} configuration`);
}

export const getObjectLegalHold: Handler = async (c) => {
  const info = await c.objects.head(refOf(c));
  if (!info.legalHold) return noLock(c, "legal hold");
  return { xml: { root: "LegalHold", value: { Status: info.legalHold } } };
};

export const putObjectLegalHold: Handler = async (c) => {
  const doc = readDocument(c.request.body, "LegalHold", legalHold);
  await c.objects.putLegalHold(refOf(c), doc.Status);
  return {};
};

export const getObjectRetention: Handler = async (c) => {
  const info = await c.objects.head(refOf(c));
  if (!info.retention) return noLock(c, "ObjectLock");
  return { xml: { root: "Retention", value: { Mode: info.retention.mode, RetainUntilDate: isoDate(info.retention.retainUntil) } } };
};

export const putObjectRetention: Handler = async (c) => {
  const doc = readDocument(c.request.body, "Retention", retention);
  const bypassGovernance = (c.request.headers.get("x-amz-bypass-governance-retention") ?? "").toLowerCase() === "true";
  await c.objects.putRetention(refOf(c), { mode: doc.Mode, retainUntil: doc.RetainUntilDate?.getTime(), bypassGovernance });
  return {};
};
