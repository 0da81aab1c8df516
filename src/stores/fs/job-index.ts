import { tenantKey } from "../../core/model/common.js";
import type { Job, JobStatus } from "../../core/model/index.js";
import { newestFirst } from "../memory-job-store.js";

/** What a listing needs to know of a job without reading it. */
export interface IndexEntry {
  /** The job's directory name. */
  name: string;
  id: string;
  creationTime: number;
  status: JobStatus;
  tenant: string;
}

/**
 * The filesystem JobStore's index: every job's tenant, status and creation time, each tenant's
 * jobs kept in listing order (newest first; creation time and id never change, so an entry never
 * moves), so that a ListJobs page finds its jobs without reading any other. Built at start and
 * kept by the one process that writes the directory.
 */
export class JobIndex {
  private readonly byName = new Map<string, IndexEntry>();
  private readonly byTenant = new Map<string, IndexEntry[]>();

  get size(): number {
    return this.byName.size;
  }

  set(name: string, job: Job): void {
    const known = this.byName.get(name);
    if (known && known.id === job.id) {
      known.status = job.status;
      return;
    }
    if (known) this.remove(name);
    const entry: IndexEntry = { name, id: job.id, creationTime: job.creationTime, status: job.status, tenant: tenantKey(job.tenant) };
    this.byName.set(name, entry);
    const list = this.byTenant.get(entry.tenant) ?? [];
    this.byTenant.set(entry.tenant, list);
    list.splice(position(list, entry), 0, entry);
  }

  remove(name: string): void {
    const entry = this.byName.get(name);
    if (!entry) return;
    this.byName.delete(name);
    const list = this.byTenant.get(entry.tenant)!;
    const at = position(list, entry);
    if (list[at] === entry) list.splice(at, 1);
    if (list.length === 0) this.byTenant.delete(entry.tenant);
  }

  /** Up to `n` of one tenant's entries after the cursor (exclusive), in listing order, in the statuses asked (all when none). */
  after(tenant: string, cursor: { creationTime: number; id: string } | undefined, statuses: ReadonlySet<JobStatus> | undefined, n: number): IndexEntry[] {
    const list = this.byTenant.get(tenant) ?? [];
    let at = cursor ? position(list, cursor) : 0;
    if (cursor && list[at] && newestFirst(list[at]!, cursor) === 0) at++;
    const found: IndexEntry[] = [];
    for (; at < list.length && found.length < n; at++) if (!statuses || statuses.has(list[at]!.status)) found.push(list[at]!);
    return found;
  }

  withStatus(statuses: ReadonlySet<JobStatus>): IndexEntry[] {
    return [...this.byName.values()].filter((e) => statuses.has(e.status));
  }
}

/** Where `entry` is or belongs in a list kept in listing order (binary search). */
function position(list: readonly IndexEntry[], entry: { creationTime: number; id: string }): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (newestFirst(list[mid]!, entry) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
