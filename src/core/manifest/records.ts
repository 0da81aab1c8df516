import type { Task } from "../operations/types.js";

/** One manifest line as the engine runs it. */
export interface TaskRecord extends Task {
  /**
   * The key as the report writes it: URL-encoded. For CSV and inventory manifests it is the text the
   * manifest gave (keys there are URL-encoded already), so a report of failed tasks can be fed back
   * as a manifest.
   */
  readonly encodedKey: string;
}

/** Why a manifest cannot be used; the job fails with this code and reason. */
export class ManifestError extends Error {
  constructor(
    readonly code: string,
    readonly reason: string,
    /** 0-based index of the offending record, when a record is to blame (for the line number). */
    readonly recordIndex?: number,
  ) {
    super(reason);
    this.name = "ManifestError";
  }
}

/**
 * Decodes a manifest key. Keys are URL-encoded in every provider's CSV manifest; `+` is read as a
 * space (form encoding), which S3 leaves unspecified (spec §6.9) and the issue settles. Undefined
 * when the text is not valid percent-encoding.
 */
export function decodeKey(raw: string): string | undefined {
  if (raw.indexOf("%") < 0 && raw.indexOf("+") < 0) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

const ENCODE_PATTERN = /[^A-Za-z0-9\-_.~/!*'()]/;

/**
 * URL-encodes a key for a report or a generated manifest: every byte but unreserved characters and
 * `/` as %XX (a space as %20, never `+`), so that decodeKey gives the key back.
 */
export function encodeKey(key: string): string {
  if (!ENCODE_PATTERN.test(key)) return key;
  return encodeURIComponent(key).replace(/%2F/g, "/");
}

/** Reads the manifest's ETag the way every provider compares them: quotes and case ignored. */
export function normalizeEtag(etag: string): string {
  return etag.trim().replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
}

/** How a failed manifest read reads in the job's failure reasons (403 wording from S3's troubleshooting guide). */
export function manifestReadError(error: unknown, what = "the manifest"): ManifestError {
  const e = error as { code?: unknown; status?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : "InternalError";
  const status = typeof e?.status === "number" ? e.status : 500;
  const detail = typeof e?.message === "string" && e.message !== "" ? ` (${e.message})` : "";
  if (status === 403) return new ManifestError(code, `Reading ${what} is forbidden: ${code}${detail}`);
  if (status === 404) return new ManifestError("ManifestNotFound", `Reading ${what} failed: ${code}${detail}`);
  return new ManifestError(code, `Reading ${what} failed: ${code}${detail}`);
}
