import type { ObjectStore } from "../core/ports.js";
import { isObjectStoreError } from "../core/ports.js";

/** A reason the server must not start, with what to do about it. */
export class StartupRefusal extends Error {}

/**
 * An optional peer a flag needs, loaded now rather than at the first job (which would fail every
 * job with InternalError). `load` is the import itself, so that bundlers and tests see the name.
 */
export async function requirePeer(name: string, flag: string, load: () => Promise<unknown>): Promise<void> {
  try {
    await load();
  } catch (e) {
    const missing = (e as { code?: string }).code === "ERR_MODULE_NOT_FOUND" || (e as { code?: string }).code === "MODULE_NOT_FOUND";
    if (!missing) throw e;
    throw new StartupRefusal(`${flag} needs ${name}, an optional peer dependency of batchplane, which is not installed. Install it with:\n\n  npm install ${name}\n`);
  }
}

/**
 * Asks the object store one cheap question (a listing of a bucket that need not exist) and says
 * what went wrong if it gives no answer at all: any answer of the store itself (NoSuchBucket,
 * AccessDenied) means it is reachable. Undefined when it answered.
 */
export async function probeStore(objects: ObjectStore, timeoutMs = 5_000): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
  });
  const asked = objects.list({ bucket: "batchplane-startup-probe", maxKeys: 1 }).then(
    () => undefined,
    (e: unknown) => {
      if (isObjectStoreError(e) && !e.retryable) return undefined;
      const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
      return `${e instanceof Error ? e.message : String(e)}${cause}`;
    },
  );
  try {
    return await Promise.race([asked, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
