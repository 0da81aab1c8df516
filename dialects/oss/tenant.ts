import type { Tenant } from "../../src/core/index.js";
import type { RequestHead, WireRequest } from "../dialect.js";
import { OssWireError } from "./errors.js";

/**
 * Who is asking: the AccessKeyId of the Authorization header names the account, the endpoint's
 * host names the region. Without credentials signatures are not verified, so the documents'
 * masked credentials (`LTAI4Fw2Nb3o4f5a3a1f****`) work as they are.
 */
export function tenantOf(head: RequestHead & Pick<WireRequest, "principal">): Tenant {
  // With signatures checked (signature.ts), the account is the signing key's configured account.
  const account = head.principal?.account ?? accessKeyIdOf(head.headers.get("authorization"));
  return { dialect: "oss", account, region: regionOf(head.url.hostname) };
}

/**
 * `OSS <AccessKeyId>:<Signature>` (V1) or `OSS4-HMAC-SHA256 Credential=<AccessKeyId>/<date>/...`
 * (V4) [V1, V4]. Any other non-empty value, such as the API reference's placeholder
 * `Authorization: SignatureValue`, is taken whole as the account's name so that the documented
 * sample requests work verbatim; signature verification will refuse such values.
 */
export function accessKeyIdOf(authorization: string | null): string {
  const value = authorization?.trim() ?? "";
  if (value === "") throw new OssWireError("AccessDenied", "The request carries no Authorization header; batch jobs belong to an account.");
  if (/^OSS(?:\s|$)/.test(value)) {
    const v1 = /^([^:\s]+):(\S*)$/.exec(value.slice(3).trim());
    if (!v1) throw new OssWireError("InvalidAuthorization", "Expected `OSS <AccessKeyId>:<Signature>`.");
    return v1[1]!;
  }
  if (value.startsWith("OSS4-HMAC-SHA256")) {
    const credential = /(?:^|[\s,])Credential=([^/,\s]+)\//.exec(value.slice("OSS4-HMAC-SHA256".length));
    if (!credential) {
      throw new OssWireError("MissingCredential", "The Credential field (<AccessKeyId>/<date>/<region>/oss/aliyun_v4_request) is missing.");
    }
    return credential[1]!;
  }
  return value;
}

/**
 * `oss-<region>.aliyuncs.com` (also `-internal`, and bucket-style `<bucket>.oss-<region>...`)
 * gives the region; any other host (127.0.0.1 in tests, an emulator's name) gives "".
 */
export function regionOf(hostname: string): string {
  const m = /(?:^|\.)oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/i.exec(hostname);
  return m ? m[1]!.toLowerCase() : "";
}
