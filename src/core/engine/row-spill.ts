import { createHash } from "node:crypto";
import { concatBytes } from "../body.js";
import type { JobService } from "../jobs/job-service.js";
import type { RowParts, RowSpill } from "../leases/memory-work-leases.js";
import type { ObjectRef, ObjectStore, ReportChunk } from "../ports.js";
import { isObjectStoreError } from "../ports.js";
import { jobOfEntry } from "./job-steps.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The default lease store's spill (MemoryWorkLeases keeps rows in the process): a finished unit's
 * rows as objects in the job's report bucket, beside the report rather than in it:
 * `<prefix>/batchplane-rows/job-<id>/<unit>-<lease>-<status>.csv` (see `encodePart`). Nothing of it is under
 * `<prefix>/job-<id>/` (the report's own place, where only final objects ever appear, issue
 * 17.1), and the lease store removes the parts when it drops the job, after its report is written.
 * A job without a report bucket has no rows, so never reaches here.
 */
export class ReportBucketSpill implements RowSpill {
  constructor(
    /** Behind retries: a transient failure is retried here, any other fails the step, which the engine retries. */
    private readonly objects: ObjectStore,
    private readonly jobs: JobService,
  ) {}

  async write(jobId: string, unit: number, token: string, rows: Record<"succeeded" | "failed", readonly string[]>): Promise<RowParts | undefined> {
    const job = await this.jobs.get(jobOfEntry(jobId));
    const bucket = job?.report.bucket;
    if (!job || bucket === undefined) return undefined;
    const prefix = (job.report.prefix ?? "").replace(/\/+$/, "");
    const lease = createHash("sha1").update(token).digest("hex").slice(0, 16);
    const base = `${prefix === "" ? "" : `${prefix}/`}batchplane-rows/job-${job.id}/${String(unit).padStart(8, "0")}-${lease}`;
    const parts: RowParts = {};
    try {
      for (const status of ["succeeded", "failed"] as const) {
        if (rows[status].length === 0) continue;
        const key = `${base}-${status}.csv`;
        await this.objects.put({ bucket, key, body: encodePart(rows[status]), contentType: "text/csv" });
        parts[status] = { bucket, key };
      }
    } catch (e) {
      for (const part of Object.values(parts)) await this.remove(part).catch(() => undefined);
      throw e;
    }
    return parts;
  }

  async read(part: ObjectRef): Promise<ReportChunk> {
    try {
      const { body } = await this.objects.get(part);
      const rows = decodePart(await partBytes(body));
      if (rows === undefined) throw new SpilledRowsLost(part, new Error("the part is damaged"));
      return rows;
    } catch (e) {
      if (e instanceof SpilledRowsLost) throw e;
      // Retried already when transient; otherwise the rows are gone from the report bucket for good.
      if (isObjectStoreError(e) && !e.retryable) throw new SpilledRowsLost(part, e);
      throw e;
    }
  }

  async remove(part: ObjectRef): Promise<void> {
    try {
      await this.objects.delete(part);
    } catch (e) {
      if (!(isObjectStoreError(e) && (e.code === "NoSuchKey" || e.code === "NoSuchBucket"))) throw e;
    }
  }
}

/**
 * A part's bytes as read: the store's own chunk when it gave one (a unit's part usually fits in
 * one), which is only read, hashed and copied into the report; joined when it gave several.
 */
async function partBytes(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
}

/** Spilled rows that cannot be read back (removed from the report bucket, access denied): the report cannot be written. */
export class SpilledRowsLost extends Error {
  constructor(
    readonly part: ObjectRef,
    override readonly cause: unknown,
  ) {
    super(`report rows kept at ${part.bucket}/${part.key} could not be read back: ${String((cause as Error)?.message ?? cause)}`);
    this.name = "SpilledRowsLost";
  }
}

/**
 * A part: one line `<rows> <bytes>`, then the rows' UTF-8 bytes as the results file will hold
 * them. Read back as bytes and handed to the report as they are (never decoded into strings);
 * the byte count tells a whole part from a damaged one.
 */
export function encodePart(rows: readonly string[]): Uint8Array {
  const text = encoder.encode(rows.join(""));
  const header = encoder.encode(`${rows.length} ${text.byteLength}\n`);
  const part = new Uint8Array(header.byteLength + text.byteLength);
  part.set(header);
  part.set(text, header.byteLength);
  return part;
}

const HEADER = /^(\d+) (\d+)$/;
const NEWLINE = 10;

/**
 * The rows' bytes of a part; undefined when it is damaged (its header does not give the length
 * of what follows). An empty object holds none: what a store that keeps nothing
 * (CountingObjectStore, for measuring the engine alone) gives back for every part.
 */
export function decodePart(part: Uint8Array): Uint8Array | undefined {
  if (part.byteLength === 0) return part;
  const eol = part.indexOf(NEWLINE);
  if (eol < 0 || eol > 40) return undefined;
  const header = HEADER.exec(decoder.decode(part.subarray(0, eol)));
  if (!header || eol + 1 + Number(header[2]) !== part.byteLength) return undefined;
  return part.subarray(eol + 1);
}
