import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type FunctionInvoker, type Operation } from "../../src/index.js";
import { ManualClock } from "../../src/core/clock.js";
import { MemoryObjectStore } from "../../src/stores/memory-object-store.js";
import { EXECUTORS, SUCCEEDED, type ExecutorPorts, type Task, type TaskResult } from "../../src/core/operations/index.js";

const clock = new ManualClock(Date.UTC(2026, 0, 1));

async function store() {
  const s = new MemoryObjectStore({ clock });
  await s.createBucket("src");
  await s.createBucket("dst");
  await s.createBucket("locked", { objectLock: true });
  await s.put({ bucket: "src", key: "photos/cat.jpg", body: "meow", contentType: "image/jpeg", tags: [{ key: "kind", value: "cat" }] });
  await s.put({ bucket: "src", key: "cold.bin", body: "zzz", storageClass: "GLACIER" });
  await s.put({ bucket: "src", key: "digits", body: "123456789" });
  await s.put({ bucket: "locked", key: "kept", body: "x" });
  return s;
}

function ports(objects: MemoryObjectStore, functions?: FunctionInvoker): ExecutorPorts {
  return {
    objects,
    functions,
    jobId: "job-1",
    // Immediate retries: the engine's backoff is tested with the engine.
    retryWhile: async (call, transient) => {
      let result = await call();
      for (let i = 1; i < 3 && transient(result); i++) result = await call();
      return result;
    },
  };
}

const task = (bucket: string, key: string, versionId?: string): Task => ({ bucket, key, versionId, ordinal: 0 });

async function run(objects: MemoryObjectStore, op: Operation, t: Task, functions?: FunctionInvoker): Promise<TaskResult> {
  const execute = EXECUTORS[op.type] as (t: Task, o: Operation, p: ExecutorPorts) => Promise<TaskResult | void>;
  try {
    // Nothing is plain success, as the engine reads it (see Executor).
    return (await execute(t, op, ports(objects, functions))) ?? SUCCEEDED;
  } catch (e) {
    const err = e as { code: string; status: number; message: string };
    return { status: "failed", httpStatus: err.status, errorCode: err.code, message: err.message };
  }
}

const ok = { status: "succeeded", httpStatus: 200 };
const failedWith = (errorCode: string, httpStatus: number) => expect.objectContaining({ status: "failed", errorCode, httpStatus });

describe("executors", () => {
  it("covers every operation type", () => {
    expect(Object.keys(EXECUTORS).sort()).toEqual(
      ["addTagging", "computeChecksum", "copy", "delete", "deleteTagging", "invokeFunction", "legalHold", "putAcl", "putTagging", "replicate", "restore", "retention", "updateEncryption"].sort(),
    );
  });

  it("putTagging replaces the tag set; a missing object or too many tags fail the task", async () => {
    const s = await store();
    const tags = [{ key: "a", value: "1" }];
    expect(await run(s, { type: "putTagging", tags }, task("src", "photos/cat.jpg"))).toMatchObject({ ...ok, message: "Successful" });
    expect(await s.getTagging({ bucket: "src", key: "photos/cat.jpg" })).toEqual(tags);
    expect(await run(s, { type: "putTagging", tags }, task("src", "nope"))).toEqual(failedWith("NoSuchKey", 404));
    const eleven = Array.from({ length: 11 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    expect(await run(s, { type: "putTagging", tags: eleven }, task("src", "digits"))).toEqual(failedWith("InvalidTag", 400));
  });

  it("addTagging merges (the job's value wins) and its 10-tag limit fails the task", async () => {
    const s = await store();
    const result = await run(s, { type: "addTagging", tags: [{ key: "kind", value: "feline" }, { key: "new", value: "1" }] }, task("src", "photos/cat.jpg"));
    expect(result).toMatchObject(ok);
    expect(await s.getTagging({ bucket: "src", key: "photos/cat.jpg" })).toEqual([
      { key: "kind", value: "feline" },
      { key: "new", value: "1" },
    ]);
    await s.putTagging({ bucket: "src", key: "digits" }, Array.from({ length: 9 }, (_, i) => ({ key: `t${i}`, value: "v" })));
    const over = await run(s, { type: "addTagging", tags: [{ key: "x", value: "1" }, { key: "y", value: "2" }] }, task("src", "digits"));
    expect(over).toEqual(failedWith("InvalidTag", 400));
    expect(await s.getTagging({ bucket: "src", key: "digits" })).toHaveLength(9);
  });

  it("deleteTagging removes every tag; a missing object fails", async () => {
    const s = await store();
    expect(await run(s, { type: "deleteTagging" }, task("src", "photos/cat.jpg"))).toMatchObject(ok);
    expect(await s.getTagging({ bucket: "src", key: "photos/cat.jpg" })).toEqual([]);
    expect(await run(s, { type: "deleteTagging" }, task("src", "nope"))).toEqual(failedWith("NoSuchKey", 404));
  });

  it("putAcl sets a canned ACL or grants; a missing object fails", async () => {
    const s = await store();
    expect(await run(s, { type: "putAcl", cannedAcl: "public-read" }, task("src", "digits"))).toMatchObject(ok);
    expect(await s.getAcl({ bucket: "src", key: "digits" })).toEqual({ canned: "public-read" });
    const grants = [{ grantee: { type: "id" as const, identifier: "abc" }, permission: "READ" as const }];
    await run(s, { type: "putAcl", owner: { id: "me" }, grants }, task("src", "digits"));
    expect(await s.getAcl({ bucket: "src", key: "digits" })).toEqual({ owner: { id: "me" }, grants });
    expect(await run(s, { type: "putAcl", cannedAcl: "private" }, task("src", "nope"))).toEqual(failedWith("NoSuchKey", 404));
  });

  it("copy writes under the target prefix with the directives given", async () => {
    const s = await store();
    const result = await run(
      s,
      {
        type: "copy",
        targetBucket: "dst",
        targetKeyPrefix: "backup/",
        storageClass: "STANDARD_IA",
        metadataDirective: "REPLACE",
        metadata: { contentType: "text/plain", userMetadata: { origin: "batch" } },
        tags: [{ key: "copied", value: "yes" }],
        cannedAcl: "bucket-owner-full-control",
      },
      task("src", "photos/cat.jpg"),
    );
    expect(result).toMatchObject(ok);
    const info = await s.head({ bucket: "dst", key: "backup/photos/cat.jpg" });
    expect(info).toMatchObject({ storageClass: "STANDARD_IA", contentType: "text/plain", metadata: { userMetadata: { origin: "batch" } } });
    expect(await s.getTagging({ bucket: "dst", key: "backup/photos/cat.jpg" })).toEqual([{ key: "copied", value: "yes" }]);
    expect(await s.getAcl({ bucket: "dst", key: "backup/photos/cat.jpg" })).toEqual({ canned: "bucket-owner-full-control" });
  });

  it("copy rewrites a key prefix (COS: pic + abc turns picture.jpg into abcture.jpg) and copies tags by default", async () => {
    const s = await store();
    await s.put({ bucket: "src", key: "picture.jpg", body: "p", tags: [{ key: "t", value: "1" }] });
    const op: Operation = { type: "copy", targetBucket: "dst", keyPrefixReplace: true, sourceKeyPrefix: "pic", targetKeyPrefix: "abc" };
    expect(await run(s, op, task("src", "picture.jpg"))).toMatchObject(ok);
    expect(await s.getTagging({ bucket: "dst", key: "abcture.jpg" })).toEqual([{ key: "t", value: "1" }]);
  });

  it("copy onto itself needs a change, as in S3; with a new storage class it works", async () => {
    const s = await store();
    const same: Operation = { type: "copy", targetBucket: "src" };
    expect(await run(s, same, task("src", "digits"))).toEqual(failedWith("InvalidRequest", 400));
    expect(await run(s, { ...same, storageClass: "STANDARD_IA" }, task("src", "digits"))).toMatchObject(ok);
    expect((await s.head({ bucket: "src", key: "digits" })).storageClass).toBe("STANDARD_IA");
  });

  it("copy fails the task for a missing source, a missing target bucket, an archived source", async () => {
    const s = await store();
    expect(await run(s, { type: "copy", targetBucket: "dst" }, task("src", "nope"))).toEqual(failedWith("NoSuchKey", 404));
    expect(await run(s, { type: "copy", targetBucket: "nowhere" }, task("src", "digits"))).toEqual(failedWith("NoSuchBucket", 404));
    expect(await run(s, { type: "copy", targetBucket: "dst" }, task("src", "cold.bin"))).toEqual(failedWith("InvalidObjectState", 403));
  });

  it("copy with ACL COPY keeps the source's ACL, ADD adds grants to it", async () => {
    const s = await store();
    const grant = { grantee: { type: "id" as const, identifier: "reader" }, permission: "READ" as const };
    await s.putAcl({ bucket: "src", key: "digits" }, { canned: "public-read" });
    await run(s, { type: "copy", targetBucket: "dst", aclDirective: "COPY" }, task("src", "digits"));
    expect(await s.getAcl({ bucket: "dst", key: "digits" })).toEqual({ canned: "public-read" });
    await run(s, { type: "copy", targetBucket: "dst", targetKeyPrefix: "x/", aclDirective: "ADD", grants: [grant] }, task("src", "digits"));
    expect(await s.getAcl({ bucket: "dst", key: "x/digits" })).toEqual({ canned: "public-read", grants: [grant] });
  });

  it("restore accepts archived objects only; others fail with InvalidObjectState", async () => {
    const s = await store();
    expect(await run(s, { type: "restore", days: 3, tier: "Bulk" }, task("src", "cold.bin"))).toMatchObject(ok);
    expect((await s.head({ bucket: "src", key: "cold.bin" })).restore).toEqual({ ongoing: false, expiryDate: clock.now() + 3 * 86_400_000 });
    expect(await run(s, { type: "restore", days: 1 }, task("src", "digits"))).toEqual(failedWith("InvalidObjectState", 403));
    expect(await run(s, { type: "restore", days: 1 }, task("src", "nope"))).toEqual(failedWith("NoSuchKey", 404));
  });

  it("legalHold needs an object-lock bucket", async () => {
    const s = await store();
    expect(await run(s, { type: "legalHold", status: "ON" }, task("locked", "kept"))).toMatchObject(ok);
    expect((await s.head({ bucket: "locked", key: "kept" })).legalHold).toBe("ON");
    expect(await run(s, { type: "legalHold", status: "ON" }, task("src", "digits"))).toEqual(failedWith("InvalidRequest", 400));
  });

  it("retention sets a future date; a past one fails", async () => {
    const s = await store();
    const retainUntil = clock.now() + 86_400_000;
    expect(await run(s, { type: "retention", mode: "GOVERNANCE", retainUntil }, task("locked", "kept"))).toMatchObject(ok);
    expect((await s.head({ bucket: "locked", key: "kept" })).retention).toEqual({ mode: "GOVERNANCE", retainUntil });
    expect(await run(s, { type: "retention", mode: "GOVERNANCE", retainUntil: clock.now() - 1 }, task("locked", "kept"))).toEqual(
      failedWith("AccessDenied", 403),
    );
    expect(await run(s, { type: "retention", mode: "COMPLIANCE", retainUntil: 1 }, task("src", "digits"))).toEqual(failedWith("InvalidRequest", 400));
  });

  it("delete removes the object; a missing one fails the task with NoSuchKey", async () => {
    const s = await store();
    expect(await run(s, { type: "delete" }, task("src", "digits"))).toMatchObject(ok);
    await expect(s.head({ bucket: "src", key: "digits" })).rejects.toMatchObject({ code: "NoSuchKey" });
    expect(await run(s, { type: "delete" }, task("src", "digits"))).toEqual(failedWith("NoSuchKey", 404));
  });

  describe("computeChecksum", () => {
    const be = (hex: string) => Buffer.from(hex, "hex").toString("base64");
    const digest = (name: string) => createHash(name).update("123456789").digest("base64");
    const vectors: [string, string][] = [
      // The catalogue's check values of "123456789".
      ["CRC32", be("cbf43926")],
      ["CRC32C", be("e3069283")],
      ["CRC64NVME", be("ae8b14860a799888")],
      ["MD5", digest("md5")],
      ["SHA1", digest("sha1")],
      ["SHA256", digest("sha256")],
      ["SHA512", digest("sha512")],
    ];
    for (const [algorithm, checksum] of vectors) {
      it(`computes ${algorithm}`, async () => {
        const s = await store();
        const result = await run(s, { type: "computeChecksum", algorithm: algorithm as "CRC32" }, task("src", "digits"));
        expect(result).toMatchObject(ok);
        expect(JSON.parse(result.message!)).toEqual({ checksumAlgorithm: algorithm, checksumType: "FULL_OBJECT", checksum });
      });
    }

    it("fails with UnsupportedChecksumAlgorithm for the XXHASH family, and with the store's error for a missing or archived object", async () => {
      const s = await store();
      expect(await run(s, { type: "computeChecksum", algorithm: "XXHASH64" }, task("src", "digits"))).toEqual(
        failedWith("UnsupportedChecksumAlgorithm", 400),
      );
      expect(await run(s, { type: "computeChecksum", algorithm: "CRC32" }, task("src", "nope"))).toEqual(failedWith("NoSuchKey", 404));
      expect(await run(s, { type: "computeChecksum", algorithm: "CRC32" }, task("src", "cold.bin"))).toEqual(failedWith("InvalidObjectState", 403));
    });
  });

  it("replicate copies to the job's bucket, else the store's replication target, else fails", async () => {
    const s = await store();
    expect(await run(s, { type: "replicate", targetBucket: "dst" }, task("src", "photos/cat.jpg"))).toMatchObject(ok);
    expect(await s.getTagging({ bucket: "dst", key: "photos/cat.jpg" })).toEqual([{ key: "kind", value: "cat" }]);
    expect(await run(s, { type: "replicate" }, task("src", "digits"))).toEqual(failedWith("InvalidRequest", 400));
    await s.createBucket("src", { replicationTarget: "dst" });
    expect(await run(s, { type: "replicate" }, task("src", "digits"))).toMatchObject(ok);
    expect((await s.head({ bucket: "dst", key: "digits" })).size).toBe(9);
    expect(await run(s, { type: "replicate" }, task("src", "nope"))).toEqual(failedWith("NoSuchKey", 404));
  });

  it("updateEncryption copies the object in place with the KMS key; a missing object fails", async () => {
    const s = await store();
    await s.putAcl({ bucket: "src", key: "digits" }, { canned: "public-read" });
    expect(await run(s, { type: "updateEncryption", kmsKeyId: "key-1" }, task("src", "digits"))).toMatchObject(ok);
    expect(await s.getAcl({ bucket: "src", key: "digits" })).toEqual({ canned: "public-read" });
    expect(await run(s, { type: "updateEncryption", kmsKeyId: "key-1" }, task("src", "nope"))).toEqual(failedWith("NoSuchKey", 404));
  });

  describe("invokeFunction", () => {
    const op: Operation = { type: "invokeFunction", functionId: "fn", userArguments: { mode: "dry" } };

    it("passes the object and the job to the function; Succeeded puts resultString in the result", async () => {
      const s = await store();
      const calls: unknown[] = [];
      const fn: FunctionInvoker = { invoke: async (call) => (calls.push(call), { resultCode: "Succeeded", resultString: `did ${call.object.key}` }) };
      expect(await run(s, op, { ...task("src", "digits", "v1"), ordinal: 7 }, fn)).toEqual({ status: "succeeded", httpStatus: 200, message: "did digits" });
      expect(calls).toEqual([{ functionId: "fn", jobId: "job-1", taskId: "7", object: { bucket: "src", key: "digits", versionId: "v1" }, userArguments: { mode: "dry" } }]);
    });

    it("PermanentFailure fails the task with HTTP 200, as AWS's sample reports show", async () => {
      const s = await store();
      const fn: FunctionInvoker = { invoke: async () => ({ resultCode: "PermanentFailure", resultString: "no" }) };
      expect(await run(s, op, task("src", "digits"), fn)).toEqual({ status: "failed", httpStatus: 200, errorCode: "PermanentFailure", message: "no" });
    });

    it("TemporaryFailure is tried again, and fails the task when it persists", async () => {
      const s = await store();
      let n = 0;
      const flaky: FunctionInvoker = { invoke: async () => (++n < 3 ? { resultCode: "TemporaryFailure" } : { resultCode: "Succeeded", resultString: "ok" }) };
      expect(await run(s, op, task("src", "digits"), flaky)).toMatchObject({ status: "succeeded", message: "ok" });
      const stuck: FunctionInvoker = { invoke: async () => ({ resultCode: "TemporaryFailure", resultString: "busy" }) };
      expect(await run(s, op, task("src", "digits"), stuck)).toEqual({ status: "failed", httpStatus: 200, errorCode: "TemporaryFailure", message: "busy" });
    });

    it("fails with FunctionInvokerNotConfigured without an invoker, and FunctionInvocationFailed when it throws", async () => {
      const s = await store();
      expect(await run(s, op, task("src", "digits"))).toEqual({
        status: "failed",
        httpStatus: 501,
        errorCode: "FunctionInvokerNotConfigured",
        message: "No FunctionInvoker is configured in this engine, so function fn cannot be invoked",
      });
      const broken: FunctionInvoker = { invoke: async () => Promise.reject(new Error("connection refused")) };
      expect(await run(s, op, task("src", "digits"), broken)).toEqual(failedWith("FunctionInvocationFailed", 500));
    });
  });
});
