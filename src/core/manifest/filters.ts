import type { ManifestFilter } from "../model/manifest.js";
import type { ObjectInfo } from "../ports.js";

/** What a filter may know beyond the object: whether its bucket replicates anywhere. */
export interface FilterContext {
  replicates: boolean;
}

type Test<K extends keyof ManifestFilter> = (value: NonNullable<ManifestFilter[K]>, o: ObjectInfo, ctx: FilterContext) => boolean;

/**
 * One test per filter member (S3's JobManifestGeneratorFilter in provider-neutral words); an
 * object is listed when it passes every member the job sets. Key constraints match any of their
 * strings; size bounds are exclusive; dates compare with the object's last-modified time.
 */
const TESTS: { readonly [K in keyof ManifestFilter]-?: Test<K> } = {
  createdAfter: (t, o) => o.lastModified > t,
  createdBefore: (t, o) => o.lastModified < t,
  keyPrefixes: (ps, o) => ps.some((p) => o.key.startsWith(p)),
  keySuffixes: (ss, o) => ss.some((s) => o.key.endsWith(s)),
  keySubstrings: (ss, o) => ss.some((s) => o.key.includes(s)),
  sizeGreaterThan: (n, o) => o.size > n,
  sizeLessThan: (n, o) => o.size < n,
  storageClasses: (cs, o) => cs.includes(o.storageClass),
  // Eligible: the bucket has a replication destination (the store knows no finer rule).
  eligibleForReplication: (want, _o, ctx) => !want || ctx.replicates,
  replicationStatuses: (ss, o) => ss.includes(o.replicationStatus ?? "NONE"),
  encryption: (es, o) =>
    es.some((e) => e.type === (o.encryption?.type ?? "none") && (e.kmsKeyId === undefined || e.kmsKeyId === o.encryption?.kmsKeyId)),
};

/** A predicate for the filter, or undefined when it sets nothing. */
export function objectFilter(filter: ManifestFilter | undefined, ctx: FilterContext): ((o: ObjectInfo) => boolean) | undefined {
  if (!filter) return undefined;
  const tests: ((o: ObjectInfo) => boolean)[] = [];
  for (const name of Object.keys(TESTS) as (keyof ManifestFilter)[]) {
    const value = filter[name];
    if (value === undefined) continue;
    const test = TESTS[name] as Test<typeof name>;
    tests.push((o) => test(value as never, o, ctx));
  }
  return tests.length === 0 ? undefined : (o) => tests.every((t) => t(o));
}
