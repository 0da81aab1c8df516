import type * as S3 from "@aws-sdk/client-s3";
import type { Grant } from "../../core/model/common.js";
import type { ObjectAcl } from "../../core/ports.js";

/** The port's grantee types and S3's, both ways. */
const GRANTEE_TYPES: ReadonlyArray<readonly [Grant["grantee"]["type"], S3.Type, "ID" | "EmailAddress" | "URI", string]> = [
  ["id", "CanonicalUser", "ID", "id"],
  ["email", "AmazonCustomerByEmail", "EmailAddress", "emailAddress"],
  ["uri", "Group", "URI", "uri"],
];

/** The x-amz-grant-* header of each permission. */
const GRANT_PARAMS = {
  FULL_CONTROL: "GrantFullControl",
  READ: "GrantRead",
  WRITE: "GrantWrite",
  READ_ACP: "GrantReadACP",
  WRITE_ACP: "GrantWriteACP",
} as const;

type AclParams = Partial<Record<(typeof GRANT_PARAMS)[keyof typeof GRANT_PARAMS], string>> & { ACL?: S3.ObjectCannedACL };

/**
 * An ACL as request parameters: a canned ACL, or grants as x-amz-grant-* headers (which need no
 * owner and every S3-compatible store reads, where an AccessControlPolicy body is less widely
 * supported). Without either, `fallback` (a canned ACL) or nothing.
 */
export function toS3AclParams(acl: ObjectAcl | undefined, fallback?: S3.ObjectCannedACL): AclParams {
  if (acl?.canned) return { ACL: acl.canned as S3.ObjectCannedACL };
  if (!acl?.grants?.length) return fallback ? { ACL: fallback } : {};
  const params: AclParams = {};
  for (const g of acl.grants) {
    const [, , , header] = GRANTEE_TYPES.find(([type]) => type === g.grantee.type)!;
    const param = GRANT_PARAMS[g.permission];
    const value = `${header}="${g.grantee.identifier}"`;
    params[param] = params[param] ? `${params[param]}, ${value}` : value;
  }
  return params;
}

export function fromS3Acl(out: Pick<S3.GetObjectAclCommandOutput, "Owner" | "Grants">): ObjectAcl {
  const acl: ObjectAcl = {};
  if (out.Owner?.ID) acl.owner = out.Owner.DisplayName ? { id: out.Owner.ID, displayName: out.Owner.DisplayName } : { id: out.Owner.ID };
  acl.grants = (out.Grants ?? []).flatMap((g): Grant[] => {
    const row = GRANTEE_TYPES.find(([, s3Type]) => s3Type === g.Grantee?.Type);
    const identifier = row && g.Grantee?.[row[2]];
    if (!row || !identifier || !g.Permission) return [];
    const grantee: Grant["grantee"] = { type: row[0], identifier };
    if (g.Grantee?.DisplayName) grantee.displayName = g.Grantee.DisplayName;
    return [{ grantee, permission: g.Permission }];
  });
  return acl;
}
