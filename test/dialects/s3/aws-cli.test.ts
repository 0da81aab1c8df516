import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjectStore } from "../../../src/core/ports.js";
import { serve, type RunningServer } from "../../../src/server/serve.js";
import { FsObjectStore } from "../../../src/stores/fs-object-store.js";
import { MemoryObjectStore } from "../../../src/stores/memory-object-store.js";

/**
 * The AWS CLI (botocore, SigV4 checked) against batchplane's S3 object API on a real port, over
 * the memory and the filesystem stores: `aws s3 mb/cp/ls/rm` (a multipart upload and ranged
 * downloads for the large file) and `aws s3api` for tags, ACLs, versions, restore, legal hold and
 * retention. The CLI ships with CI's Python tools: without it these tests fail, never skip.
 */
const run = promisify(execFile);
const KEY = { dialect: "s3", accessKeyId: "AKIAS3APITESTKEY0001", secretAccessKey: "s3api/test/secret/key/0000000000000000", account: "123456789012" };

function rig(make: () => Promise<{ store: ObjectStore; dispose?: () => Promise<void> }>) {
  const state = {} as { server: RunningServer; dir: string; dispose?: () => Promise<void> };
  beforeAll(async () => {
    const made = await make();
    state.dispose = made.dispose;
    state.dir = await mkdtemp(join(tmpdir(), "batchplane-cli-files-"));
    state.server = await serve({ port: 0, objects: made.store, runJobs: false, credentials: [KEY] });
  });
  afterAll(async () => {
    await state.server?.close();
    await state.dispose?.();
    if (state.dir) await rm(state.dir, { recursive: true, force: true });
  });
  const aws = async (...args: string[]) => {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    };
    const { stdout } = await run("aws", [...args, "--endpoint-url", state.server.url, "--output", "json"], { env, timeout: 90_000 });
    return stdout;
  };
  /** The CLI's error text, for a command that must fail. */
  const fails = (...args: string[]) => aws(...args).then(
    (out) => {
      throw new Error(`expected aws ${args.join(" ")} to fail, got ${out}`);
    },
    (e: { stderr?: string }) => e.stderr ?? "",
  );
  const json = async (...args: string[]) => JSON.parse((await aws(...args)) || "{}");
  return { state, aws, fails, json };
}

function cliSuite(name: string, make: () => Promise<{ store: ObjectStore; dispose?: () => Promise<void> }>, options: { versions: boolean; subresources: boolean }) {
  // Each CLI call starts a Python process (a second or more on a loaded machine).
  describe(`the AWS CLI against the S3 API over ${name}`, { timeout: 300_000 }, () => {
    const { state, aws, fails, json } = rig(make);

    it("aws s3 mb, cp (small and multipart), ls and rm", async () => {
      expect(await aws("s3", "mb", "s3://cli-demo")).toContain("make_bucket: cli-demo");
      expect(await fails("s3", "mb", "s3://cli-demo")).toContain("BucketAlreadyOwnedByYou");
      const small = join(state.dir, "hello.txt");
      await writeFile(small, "hello, batchplane\n");
      await aws("s3", "cp", small, "s3://cli-demo/in/hello.txt", "--only-show-errors");
      // 20 MB: the CLI uploads it in 8 MiB parts and downloads it in ranges.
      const big = randomBytes(20 * 1024 * 1024);
      await writeFile(join(state.dir, "big.bin"), big);
      await aws("s3", "cp", join(state.dir, "big.bin"), "s3://cli-demo/big.bin", "--only-show-errors");
      await aws("s3", "cp", "s3://cli-demo/big.bin", join(state.dir, "back.bin"), "--only-show-errors");
      const back = await readFile(join(state.dir, "back.bin"));
      expect(createHash("md5").update(back).digest("hex")).toBe(createHash("md5").update(big).digest("hex"));

      const listing = await aws("s3", "ls", "s3://cli-demo/");
      expect(listing).toMatch(/PRE in\//);
      expect(listing).toMatch(/20971520 big\.bin/);
      expect(await aws("s3", "ls", "s3://cli-demo/", "--recursive")).toMatch(/18 in\/hello\.txt/);
      expect(await aws("s3", "ls")).toContain("cli-demo");

      await aws("s3", "cp", "s3://cli-demo/in/hello.txt", join(state.dir, "copy.txt"), "--only-show-errors");
      expect(await readFile(join(state.dir, "copy.txt"), "utf8")).toBe("hello, batchplane\n");
      await aws("s3", "rm", "s3://cli-demo/in/hello.txt", "--only-show-errors");
      expect(await aws("s3", "ls", "s3://cli-demo/", "--recursive")).not.toContain("hello.txt");
      expect(await fails("s3api", "head-object", "--bucket", "cli-demo", "--key", "in/hello.txt")).toMatch(/404|Not Found/);
      expect(await fails("s3", "rb", "s3://cli-demo")).toContain("BucketNotEmpty");
      await aws("s3", "rm", "s3://cli-demo/big.bin", "--only-show-errors");
      await aws("s3", "rb", "s3://cli-demo");
      expect(await fails("s3", "ls", "s3://cli-demo/")).toContain("NoSuchBucket");
    });

    it("aws s3api: tags, ACLs and copies", async () => {
      await aws("s3api", "create-bucket", "--bucket", "cli-tags");
      await aws("s3api", "put-object", "--bucket", "cli-tags", "--key", "a.csv", "--body", __filename, "--tagging", "team=data&stage=raw");
      expect((await json("s3api", "get-object-tagging", "--bucket", "cli-tags", "--key", "a.csv")).TagSet).toEqual([
        { Key: "team", Value: "data" },
        { Key: "stage", Value: "raw" },
      ]);
      await aws("s3api", "put-object-tagging", "--bucket", "cli-tags", "--key", "a.csv", "--tagging", "TagSet=[{Key=done,Value=yes}]");
      expect((await json("s3api", "get-object-tagging", "--bucket", "cli-tags", "--key", "a.csv")).TagSet).toEqual([{ Key: "done", Value: "yes" }]);
      await aws("s3api", "delete-object-tagging", "--bucket", "cli-tags", "--key", "a.csv");
      expect((await json("s3api", "get-object-tagging", "--bucket", "cli-tags", "--key", "a.csv")).TagSet).toEqual([]);
      expect(await fails("s3api", "get-object-tagging", "--bucket", "cli-tags", "--key", "missing")).toContain("NoSuchKey");

      const acl = await json("s3api", "get-object-acl", "--bucket", "cli-tags", "--key", "a.csv");
      expect(acl.Grants).toEqual([{ Grantee: expect.objectContaining({ ID: KEY.account, Type: "CanonicalUser" }), Permission: "FULL_CONTROL" }]);
      await aws("s3api", "put-object-acl", "--bucket", "cli-tags", "--key", "a.csv", "--acl", "public-read");
      const open = await json("s3api", "get-object-acl", "--bucket", "cli-tags", "--key", "a.csv");
      expect(open.Grants).toContainEqual({ Grantee: { Type: "Group", URI: "http://acs.amazonaws.com/groups/global/AllUsers" }, Permission: "READ" });

      await aws("s3api", "copy-object", "--bucket", "cli-tags", "--key", "b.csv", "--copy-source", "cli-tags/a.csv");
      const head = await json("s3api", "head-object", "--bucket", "cli-tags", "--key", "b.csv");
      expect(head.ContentLength).toBe((await readFile(__filename)).byteLength);
    });

    if (!options.subresources) return;

    it("aws s3api: restore of an archived object shows in x-amz-restore", async () => {
      await aws("s3api", "create-bucket", "--bucket", "cli-cold");
      await aws("s3api", "put-object", "--bucket", "cli-cold", "--key", "old.log", "--body", __filename, "--storage-class", "GLACIER");
      expect((await json("s3api", "head-object", "--bucket", "cli-cold", "--key", "old.log")).StorageClass).toBe("GLACIER");
      expect(await fails("s3api", "get-object", "--bucket", "cli-cold", "--key", "old.log", join(state.dir, "cold"))).toContain("InvalidObjectState");
      await aws("s3api", "restore-object", "--bucket", "cli-cold", "--key", "old.log", "--restore-request", "Days=2,GlacierJobParameters={Tier=Bulk}");
      expect((await json("s3api", "head-object", "--bucket", "cli-cold", "--key", "old.log")).Restore).toMatch(/^ongoing-request="false", expiry-date=".+ GMT"$/);
      await aws("s3api", "get-object", "--bucket", "cli-cold", "--key", "old.log", join(state.dir, "cold"));
    });

    it("aws s3api: legal hold and retention on an object-lock bucket", async () => {
      await aws("s3api", "create-bucket", "--bucket", "cli-locked", "--object-lock-enabled-for-bucket");
      expect((await json("s3api", "get-bucket-versioning", "--bucket", "cli-locked")).Status).toBe("Enabled");
      const put = await json("s3api", "put-object", "--bucket", "cli-locked", "--key", "k", "--body", __filename);
      await aws("s3api", "put-object-legal-hold", "--bucket", "cli-locked", "--key", "k", "--legal-hold", "Status=ON");
      expect((await json("s3api", "get-object-legal-hold", "--bucket", "cli-locked", "--key", "k")).LegalHold).toEqual({ Status: "ON" });
      expect(await fails("s3api", "delete-object", "--bucket", "cli-locked", "--key", "k", "--version-id", put.VersionId)).toContain("AccessDenied");
      const until = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
      await aws("s3api", "put-object-retention", "--bucket", "cli-locked", "--key", "k", "--retention", `Mode=GOVERNANCE,RetainUntilDate=${until}`);
      const retained = (await json("s3api", "get-object-retention", "--bucket", "cli-locked", "--key", "k")).Retention;
      expect(retained.Mode).toBe("GOVERNANCE");
      expect(Date.parse(retained.RetainUntilDate)).toBe(Date.parse(until));
      const head = await json("s3api", "head-object", "--bucket", "cli-locked", "--key", "k");
      expect(head).toMatchObject({ ObjectLockLegalHoldStatus: "ON", ObjectLockMode: "GOVERNANCE" });
      await aws("s3api", "create-bucket", "--bucket", "cli-plain");
      await aws("s3api", "put-object", "--bucket", "cli-plain", "--key", "k", "--body", __filename);
      expect(await fails("s3api", "put-object-legal-hold", "--bucket", "cli-plain", "--key", "k", "--legal-hold", "Status=ON")).toContain("InvalidRequest");
    });

    if (options.versions) {
      it("aws s3api: versioning, list-object-versions and delete markers", async () => {
        await aws("s3api", "create-bucket", "--bucket", "cli-versions");
        await aws("s3api", "put-bucket-versioning", "--bucket", "cli-versions", "--versioning-configuration", "Status=Enabled");
        expect((await json("s3api", "get-bucket-versioning", "--bucket", "cli-versions")).Status).toBe("Enabled");
        const v1 = await json("s3api", "put-object", "--bucket", "cli-versions", "--key", "doc", "--body", __filename);
        const v2 = await json("s3api", "put-object", "--bucket", "cli-versions", "--key", "doc", "--body", __filename);
        await aws("s3api", "delete-object", "--bucket", "cli-versions", "--key", "doc");
        const listed = await json("s3api", "list-object-versions", "--bucket", "cli-versions");
        expect(listed.Versions.map((v: { VersionId: string; IsLatest: boolean }) => [v.VersionId, v.IsLatest])).toEqual([
          [v2.VersionId, false],
          [v1.VersionId, false],
        ]);
        expect(listed.DeleteMarkers).toHaveLength(1);
        expect(listed.DeleteMarkers[0].IsLatest).toBe(true);
        await aws("s3api", "get-object", "--bucket", "cli-versions", "--key", "doc", "--version-id", v1.VersionId, join(state.dir, "v1"));
        await aws("s3api", "put-bucket-versioning", "--bucket", "cli-versions", "--versioning-configuration", "Status=Suspended");
        expect((await json("s3api", "get-bucket-versioning", "--bucket", "cli-versions")).Status).toBe("Suspended");
      });
    }
  });
}

cliSuite("the memory store", async () => ({ store: new MemoryObjectStore() }), { versions: true, subresources: true });
cliSuite(
  "the filesystem store",
  async () => {
    const dir = await mkdtemp(join(tmpdir(), "batchplane-cli-objects-"));
    const store = new FsObjectStore({ dir });
    return { store, dispose: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
  },
  // The filesystem store has no listVersions: ListObjectVersions shows current objects only there.
  // Restore, legal hold and retention over it are covered by the conformance suite through the
  // same API (conformance.test.ts); each CLI call costs a Python start.
  { versions: false, subresources: false },
);
