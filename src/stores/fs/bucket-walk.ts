import { promises as fs } from "node:fs";
import { join } from "node:path";
import { compareKeys } from "../object-versions.js";
import { unless } from "./files.js";

interface Named {
  name: string;
  dir: boolean;
  /** The key this entry holds (a directory's ends with "/"). */
  key: string;
}

interface Listing {
  /** The directory's inode and change times when it was read. */
  stamp: string;
  named: Named[];
}

/** How many directories' sorted listings are kept. */
const KEPT_LISTINGS = 256;
/**
 * A listing is reused only if its directory's entries had not changed (its mtime) for this long
 * when it was read: a file system stamps a change with a coarse clock (a few ms on Linux, seconds
 * on some), so a change made in the same tick as the reading would leave the stamp as it was
 * (git's "racy" rule). A directory still being written is read afresh for each page.
 */
const SETTLED_NS = 2_000_000_000n;

/**
 * The keys of the plain files under a bucket directory, in S3's order (UTF-8 bytes), starting
 * after `after` and restricted to `prefix`, read lazily so that a page of a large bucket reads
 * only the directories it needs. Only regular files count: links, sockets and the like are not
 * objects, and a link to a directory is not followed.
 *
 * A directory `d` is visited where `d/` sorts among its siblings: every key below it starts
 * with `d/`, and no sibling name contains a slash, so this is exactly where its keys belong.
 *
 * Each directory's sorted listing is kept while the directory does not change, and a page starts
 * at its position by binary search: a page costs in proportion to the page, not to the bucket, so
 * that listing a flat bucket page by page is linear, not quadratic.
 */
export class BucketWalker {
  private readonly listings = new Map<string, Listing>();

  keys(bucketDir: string, prefix: string, after: string | undefined): AsyncGenerator<string> {
    return this.walk(bucketDir, "", prefix, after);
  }

  private async *walk(dir: string, base: string, prefix: string, after: string | undefined): AsyncGenerator<string> {
    const named = await this.entries(dir, base);
    let i = Math.max(start(named, prefix, false), after === undefined ? 0 : start(named, after, true));
    for (; i < named.length; i++) {
      const e = named[i]!;
      // Sorted: once past the prefix (and not on the way to it), nothing further can match.
      if (!e.key.startsWith(prefix) && !prefix.startsWith(e.key)) {
        if (compareKeys(e.key, prefix) > 0) return;
        continue;
      }
      if (e.dir) {
        if (after !== undefined && compareKeys(e.key, after) < 0 && !after.startsWith(e.key)) continue;
        yield* this.walk(join(dir, e.name), e.key, prefix, after);
      } else if (e.key.startsWith(prefix) && (after === undefined || compareKeys(e.key, after) > 0)) {
        yield e.key;
      }
    }
  }

  /** A directory's files and subdirectories in key order, from the kept listing while the directory is unchanged. */
  private async entries(dir: string, base: string): Promise<Named[]> {
    const stat = await unless(["ENOENT", "ENOTDIR"], () => fs.lstat(dir, { bigint: true }), undefined);
    if (!stat?.isDirectory()) return [];
    const stamp = `${stat.ino}:${stat.mtimeNs}:${stat.ctimeNs}`;
    const kept = this.listings.get(dir);
    if (kept?.stamp === stamp) {
      this.listings.delete(dir);
      this.listings.set(dir, kept);
      return kept.named;
    }
    const wallNs = BigInt(Date.now()) * 1_000_000n;
    const entries = await unless(["ENOENT", "ENOTDIR"], () => fs.readdir(dir, { withFileTypes: true }), []);
    const named = entries
      .filter((e) => e.isFile() || e.isDirectory())
      .map((e) => ({ name: e.name, dir: e.isDirectory(), key: base + e.name + (e.isDirectory() ? "/" : "") }))
      .sort((a, b) => compareKeys(a.key, b.key));
    this.listings.delete(dir);
    if (wallNs - stat.mtimeNs > SETTLED_NS) {
      this.listings.set(dir, { stamp, named });
      if (this.listings.size > KEPT_LISTINGS) this.listings.delete(this.listings.keys().next().value!);
    }
    return named;
  }
}

/**
 * The first entry a walk from `bound` visits: the first whose key sorts after `bound` (or at it,
 * unless `exclusive`), or the directory just before it when `bound` lies inside that directory.
 */
function start(named: readonly Named[], bound: string, exclusive: boolean): number {
  if (bound === "") return 0;
  let lo = 0;
  let hi = named.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(named[mid]!.key, bound);
    if (c < 0 || (exclusive && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  const before = named[lo - 1];
  return before?.dir && bound.startsWith(before.key) ? lo - 1 : lo;
}
