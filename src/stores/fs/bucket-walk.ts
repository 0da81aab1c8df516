import { promises as fs } from "node:fs";
import { join } from "node:path";
import { compareKeys } from "../object-versions.js";
import { unless } from "./files.js";

/**
 * The keys of the plain files under a bucket directory, in S3's order (UTF-8 bytes), starting
 * after `after` and restricted to `prefix`, read lazily so that a page of a large bucket reads
 * only the directories it needs. Only regular files count: links, sockets and the like are not
 * objects.
 *
 * A directory `d` is visited where `d/` sorts among its siblings: every key below it starts
 * with `d/`, and no sibling name contains a slash, so this is exactly where its keys belong.
 */
export async function* walkKeys(bucketDir: string, prefix: string, after: string | undefined): AsyncGenerator<string> {
  yield* walk(bucketDir, "", prefix, after);
}

async function* walk(dir: string, base: string, prefix: string, after: string | undefined): AsyncGenerator<string> {
  const entries = await unless(["ENOENT", "ENOTDIR"], () => fs.readdir(dir, { withFileTypes: true }), []);
  const named = entries
    .filter((e) => e.isFile() || e.isDirectory())
    .map((e) => ({ name: e.name, dir: e.isDirectory(), key: base + e.name + (e.isDirectory() ? "/" : "") }))
    .sort((a, b) => compareKeys(a.key, b.key));
  for (const e of named) {
    if (e.dir) {
      // Skip a subtree that cannot hold the prefix, or whose every key sorts before `after`.
      if (!e.key.startsWith(prefix) && !prefix.startsWith(e.key)) continue;
      if (after !== undefined && compareKeys(e.key, after) < 0 && !after.startsWith(e.key)) continue;
      yield* walk(join(dir, e.name), e.key, prefix, after);
    } else if (e.key.startsWith(prefix) && (after === undefined || compareKeys(e.key, after) > 0)) {
      yield e.key;
    }
  }
}
