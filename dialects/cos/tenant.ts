import type { Tenant } from "../../src/core/model/common.js";
import { CosError } from "./errors.js";
import * as S from "./schemas.js";
import { check } from "./xml-values.js";

/** `<uin>.cos-control.<region>.myqcloud.com` (spec §1); any other host leaves the region empty. */
const CONTROL_HOST = /^[^.]+\.cos-control\.([a-z0-9-]+)\./i;

/** The caller: the account is the `x-cos-appid` header, required on every batch API (D-ER). */
export function tenantOf(url: URL, headers: Headers): Tenant {
  const appid = headers.get("x-cos-appid")?.trim();
  if (!appid) throw new CosError("InvalidArgument", "x-cos-appid cannot be empty: every batch request names its APPID in this header");
  check("x-cos-appid", appid, S.appid);
  return { dialect: "cos", account: appid, region: CONTROL_HOST.exec(url.hostname)?.[1]?.toLowerCase() ?? "" };
}
