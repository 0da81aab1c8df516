import { z } from "zod";

/** Milliseconds since the Unix epoch: the one time representation the core stores (JSON-safe). */
export const epochMs = z.number().int().nonnegative();

export const MAX_PRIORITY = 2147483647;
export const priority = z.number().int().min(0).max(MAX_PRIORITY);

/** A key/value tag, on a job or on an object. Lengths are the limits all three providers share. */
export const tagSchema = z.object({
  key: z.string().min(1).max(128),
  value: z.string().max(256),
});
export type Tag = z.infer<typeof tagSchema>;

export const granteeSchema = z.object({
  type: z.enum(["id", "email", "uri"]),
  identifier: z.string().min(1),
  displayName: z.string().optional(),
});

export const grantSchema = z.object({
  grantee: granteeSchema,
  permission: z.enum(["FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP"]),
});
export type Grant = z.infer<typeof grantSchema>;

export const ownerSchema = z.object({ id: z.string().min(1), displayName: z.string().optional() });
export type Owner = z.infer<typeof ownerSchema>;

/** Who sent a request: jobs of one tenant are invisible to every other. */
export const tenantSchema = z.object({
  /** The dialect (policy) that created the job; also selects its lifecycle policy. */
  dialect: z.string().min(1),
  account: z.string().min(1),
  /** Empty when the wire gives no region. */
  region: z.string(),
});
export type Tenant = z.infer<typeof tenantSchema>;

export function tenantKey(t: Tenant): string {
  return `${t.dialect}\u0000${t.account}\u0000${t.region}`;
}

export function sameTenant(a: Tenant, b: Tenant): boolean {
  return a.dialect === b.dialect && a.account === b.account && a.region === b.region;
}
