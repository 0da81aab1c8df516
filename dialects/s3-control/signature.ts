import type { WireRequest } from "../dialect.js";
import { SignatureError, type Principal, type SignatureVerifier } from "../signature.js";
import { verifySigV4, type SigV4Options } from "../sigv4.js";
import { accountOf } from "./tenant.js";

/** `s3-control.<region>.amazonaws.com` (and dual-stack, FIPS) names the region the scope must carry. */
const CONTROL_HOST = /(?:^|\.)s3-control(?:-fips)?(?:\.dualstack)?\.([a-z0-9-]+)\.amazonaws\.com$/i;

/** The account a request claims, or undefined when it claims none (the dialect refuses that itself). */
function claimedAccount(request: WireRequest): string | undefined {
  try {
    return accountOf(request);
  } catch {
    return undefined;
  }
}

/**
 * S3 Control signs with SigV4 under the signing name `s3` (spec §1). The key's account must be
 * the account the request names (`x-amz-account-id` or the host prefix): a key of one account
 * never reaches another's jobs.
 */
const SIGV4: SigV4Options = {
  service: "s3",
  hostRegion: (r) => CONTROL_HOST.exec(r.url.hostname)?.[1]?.toLowerCase(),
};

export const s3ControlSignature: SignatureVerifier = {
  async verify(request, keys, nowMs): Promise<Principal> {
    const credential = await verifySigV4(request, keys, nowMs, SIGV4);
    const claimed = claimedAccount(request);
    if (claimed !== undefined && claimed !== credential.account) {
      throw new SignatureError("AccessDenied", `Access Denied: the access key belongs to another account than ${claimed}.`);
    }
    return { accessKeyId: credential.accessKeyId, account: credential.account };
  },
};

