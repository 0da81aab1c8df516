import type { Tenant } from "../../src/core/model/index.js";
import type { RequestHead } from "../dialect.js";
import { S3ControlError } from "./errors.js";
import { ACCOUNT_ID } from "./schemas.js";

/**
 * Who is asking. The account comes from `x-amz-account-id`, which both SDKs always send, else
 * from a 12-digit first label of the host (`123456789012.localhost:9090`, what the SDKs'
 * endpoint rules produce). When both are present the header wins: the real service's behaviour
 * when they differ is unspecified (spec §9), and the header is the modelled member.
 * The region is the SigV4 credential scope's (the only carrier with a custom endpoint, §1.2).
 */
export const DIALECT_NAME = "s3-control";
export const DEFAULT_REGION = "us-east-1";

const HOST_ACCOUNT = /^(\d{12})\./;
const CREDENTIAL = /Credential=[^/,\s]*\/\d{8}\/([^/,\s]+)\/[^/,\s]+\/aws4_request/;

export function accountOf(head: RequestHead): string {
  const header = head.headers.get("x-amz-account-id");
  if (header !== null) {
    if (!ACCOUNT_ID.test(header)) {
      throw new S3ControlError("InvalidAccount", `x-amz-account-id must be a 12-digit account id, got "${header.slice(0, 64)}"`);
    }
    return header;
  }
  const fromHost = HOST_ACCOUNT.exec(head.url.hostname);
  if (fromHost) return fromHost[1]!;
  throw new S3ControlError(
    "InvalidAccount",
    "The account id is missing: send the x-amz-account-id header (or address the host as <12-digit account id>.<host>)",
  );
}

export function regionOf(head: RequestHead): string {
  const auth = head.headers.get("authorization") ?? head.url.searchParams.get("X-Amz-Credential") ?? "";
  const scope = CREDENTIAL.exec(auth.startsWith("AWS4-") ? auth : `Credential=${auth}`);
  return scope?.[1] ?? DEFAULT_REGION;
}

export function tenantOf(head: RequestHead): Tenant {
  return { dialect: DIALECT_NAME, account: accountOf(head), region: regionOf(head) };
}
