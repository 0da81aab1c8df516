import type { Dialect, WireRequest } from "../../dialects/dialect.js";
import { SignatureError, type CredentialsPort, type KeyLookup } from "../../dialects/signature.js";

/** Checks one request's signature: the request with its principal, or the refusal to answer with. */
export type AuthStage = (dialect: Dialect, request: WireRequest) => Promise<WireRequest | SignatureError>;

/**
 * The one authentication stage before dispatch (MinIO's auth-handler idea): the dialect knows
 * how its provider signs, the port knows the keys; nothing of a refused request is executed.
 * A dialect that cannot verify signatures is refused outright while credentials are on, so that
 * turning them on never leaves one door open.
 */
export function authStage(port: CredentialsPort, now: () => number): AuthStage {
  // One key lookup per dialect, made once rather than per request.
  const lookups = new Map<string, KeyLookup>();
  const lookupFor = (dialect: string): KeyLookup => {
    let lookup = lookups.get(dialect);
    if (!lookup) lookups.set(dialect, (lookup = async (accessKeyId) => port.find(dialect, accessKeyId)));
    return lookup;
  };
  return async (dialect, request) => {
    const verifier = dialect.signature;
    if (!verifier) {
      return new SignatureError("AccessDenied", `Signatures are checked on this server and the ${dialect.name} API cannot verify them.`);
    }
    try {
      const principal = await verifier.verify(request, lookupFor(dialect.name), now());
      // The adapter's request object is this request's alone: set on it rather than copied.
      request.principal = principal;
      return request;
    } catch (e) {
      if (e instanceof SignatureError) return e;
      throw e;
    }
  };
}

/** 127.0.0.0/8, ::1 and localhost: the addresses only this machine reaches. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/**
 * What the server says at start about signatures: the line after "listening on", and a warning
 * when a server that anyone on the network may reach lets everyone act as every account.
 */
export function signatureNotice(host: string, credentials: { source: string; keys: number } | undefined): { line: string; warning?: string } {
  if (credentials) return { line: `signatures checked: ${credentials.keys} key(s) from ${credentials.source}` };
  return {
    line: "signatures are not checked (no --credentials): any caller acts as any account",
    warning: isLoopback(host)
      ? undefined
      : `warning: listening on ${host} without --credentials: anyone who reaches this port acts as every account; pass --credentials FILE`,
  };
}
