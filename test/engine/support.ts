import type { CreateJobInput, Job, JobStatus, Operation } from "../../src/index.js";
import { createTestBed, seedManifest, seedObjects, type ManifestRow, type TestBedOptions } from "../../src/testing/index.js";

export const DATA = "data";
export const REPORTS = "reports";

let tokens = 0;

/** A test bed with a data bucket holding `keys`, a manifest listing `rows` (default: every key) and a report bucket. */
export async function bedWith(keys: string[], options: TestBedOptions & { rows?: ManifestRow[] } = {}) {
  const bed = createTestBed(options);
  await seedObjects(bed.objects, DATA, keys);
  await bed.objects.createBucket(REPORTS);
  const manifest = await seedManifest(bed.objects, { bucket: "manifests", key: "manifest.csv" }, options.rows ?? keys.map((k) => [DATA, k] as const));
  const job = (overrides: Partial<CreateJobInput> = {}) =>
    bed.createJob({
      clientRequestToken: `token-${++tokens}`,
      priority: 10,
      confirmationRequired: false,
      role: "role/batch",
      operation: { type: "putTagging", tags: [{ key: "migrated", value: "yes" }] } as Operation,
      manifest,
      report: { enabled: true, bucket: REPORTS, prefix: "reports", scope: "AllTasks" },
      ...overrides,
    });
  return { ...bed, manifest, job };
}

/** Every status a job passes through, in order, as the JobService reports them. */
export function statusLog(bed: { jobs: { subscribe(l: (job: Job, change: { type: string; to?: JobStatus }) => void): () => void } }, id?: () => string) {
  const seen: JobStatus[] = [];
  bed.jobs.subscribe((job, change) => {
    if (change.type === "status" && (!id || job.id === id())) seen.push(change.to!);
  });
  return seen;
}

/** The keys under `prefix` in `bucket`, listed at the moment a listener hears the job reach `status`. */
export function listedAt(
  bed: { jobs: { subscribe(l: (job: Job, change: { type: string; to?: JobStatus }) => void): () => void }; objects: { list(r: { bucket: string; prefix: string }): Promise<{ objects: { key: string }[] }> } },
  id: () => string,
  status: JobStatus,
  bucket: string,
  prefix: () => string,
): () => Promise<string[]> | undefined {
  let listed: Promise<string[]> | undefined;
  bed.jobs.subscribe((job, change) => {
    if (job.id === id() && change.type === "status" && change.to === status) {
      listed = bed.objects.list({ bucket, prefix: prefix() }).then((p) => p.objects.map((o) => o.key).sort());
    }
  });
  return () => listed;
}
