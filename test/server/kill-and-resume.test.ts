import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateJobCommand, DescribeJobCommand, S3ControlClient, type JobDescriptor } from "@aws-sdk/client-s3-control";
import { afterEach, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../dialects/s3-control/index.js";
import { FsJobStore } from "../../src/stores/fs-job-store.js";
import { FsObjectStore } from "../../src/stores/fs-object-store.js";
import { readReport } from "../../src/testing/report.js";
import { ACCOUNT, tagJobInput } from "../dialects/s3-control/support.js";
import { runTs, type RunningProcess } from "../support/cli.js";
import { until } from "../support/poll.js";

const SERVER = resolve(__dirname, "fixtures/slowed-server.ts");
const KEYS = Array.from({ length: 10 }, (_, i) => `obj-${String(i).padStart(2, "0")}`);
/** The task the first server is killed in: six tasks done, this one in flight. */
const HELD = 6;

const started: RunningProcess[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
});

async function startServer(dir: string, holdKey?: string) {
  const server = runTs(SERVER, holdKey ? [dir, holdKey] : [dir], { cwd: dir, stdinPipe: true });
  started.push(server);
  const [, url] = await server.waitFor(/^listening (\S+)\n/);
  return { server, client: new S3ControlClient({ ...localEndpointConfig(url!), maxAttempts: 1 }) };
}

async function describeJob(client: S3ControlClient, id: string): Promise<JobDescriptor> {
  return (await client.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId: id }))).Job!;
}

const lines = async (path: string) => (await readFile(path, "utf8").catch(() => "")).split("\n").filter(Boolean);

describe("a server killed (SIGKILL) while a job is Active", () => {
  /**
   * Why "processed once" holds here, and not only "at least once": the engine's guarantee is that
   * tasks covered by the last durable checkpoint do not run again, while tasks finished after it
   * do. The slowed store makes the gap between the two empty at the moment of the kill:
   * - one task at a time (concurrency 1) and a checkpoint after every task, so the checkpoint
   *   covering task n-1 is written while task n is in its store call;
   * - the store call waits BEFORE it applies the tags, and the call for task n (HELD) waits until
   *   the process dies, so at the kill task n has changed nothing;
   * - the test kills only once the job file on disk says that the checkpoint covers tasks
   *   0..n-1 (position n) and the call for task n has begun (entered.log).
   * So every applied task is checkpointed, no checkpointed task runs again, and task n runs once,
   * after the restart. A kill at an arbitrary instant would allow a task applied but not yet
   * checkpointed, which runs again (at least once); that is the engine's documented contract, not
   * what this test is about.
   */
  it("resumes on restart over the same data directory: every object processed once, one report row a task", async () => {
    const dir = await mkdtemp(join(tmpdir(), "batchplane-kill-"));
    try {
      // Objects and a manifest dropped into the data directory as plain files.
      for (const bucket of ["data", "manifests", "reports"]) await mkdir(join(dir, bucket));
      for (const key of KEYS) await writeFile(join(dir, "data", key), `content of ${key}\n`);
      const manifest = KEYS.map((k) => `data,${k}\n`).join("");
      await writeFile(join(dir, "manifests", "manifest.csv"), manifest);

      const first = await startServer(dir, KEYS[HELD]);
      const { JobId } = await first.client.send(
        new CreateJobCommand({
          ...tagJobInput(),
          ClientRequestToken: "kill-and-resume",
          Manifest: {
            Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
            Location: { ObjectArn: "arn:aws:s3:::manifests/manifest.csv", ETag: createHash("md5").update(manifest).digest("hex") },
          },
        }),
      );
      const id = JobId!;

      // Wait for the kill point: the checkpoint covering tasks 0..HELD-1 is in the job file, and
      // the call of task HELD has begun (and waits, before applying anything).
      const jobFiles = new FsJobStore(dir);
      await until(
        "the checkpoint before the held task, with the held task's call under way",
        async () => {
          const position = ((await jobFiles.get(id))?.checkpoint as { position?: number } | undefined)?.position;
          if (position !== HELD || !(await lines(join(dir, "entered.log"))).includes(KEYS[HELD]!)) return undefined;
          // The server answers from its own copy of the job, which may lag the file by a write.
          return (await describeJob(first.client, id)).ProgressSummary?.NumberOfTasksSucceeded === HELD ? true : undefined;
        },
        { describe: () => `job file: ${JSON.stringify(first.server.output())}` },
      );
      const before = await describeJob(first.client, id);
      expect(before.Status).toBe("Active");
      expect(before.ProgressSummary).toMatchObject({ TotalNumberOfTasks: KEYS.length, NumberOfTasksSucceeded: HELD, NumberOfTasksFailed: 0 });
      first.client.destroy();
      first.server.child.kill("SIGKILL");
      expect(await first.server.exited).toEqual({ code: null, signal: "SIGKILL" });
      expect(await lines(join(dir, "applied.log"))).toEqual(KEYS.slice(0, HELD));

      // The same data directory, nothing held: the engine picks the Active job up on its own.
      const second = await startServer(dir);
      const done = await until(
        "the resumed job to finish",
        async () => {
          const job = await describeJob(second.client, id);
          return ["Complete", "Failed", "Cancelled"].includes(job.Status!) ? job : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(done.Status).toBe("Complete");
      expect(done.ProgressSummary).toMatchObject({ TotalNumberOfTasks: KEYS.length, NumberOfTasksSucceeded: KEYS.length, NumberOfTasksFailed: 0 });
      second.client.destroy();
      expect(await second.server.stop()).toBe(0);

      // Every object's tags were applied exactly once (the held call never applied), in manifest order.
      expect(await lines(join(dir, "applied.log"))).toEqual(KEYS);
      expect(await lines(join(dir, "entered.log"))).toEqual([...KEYS.slice(0, HELD + 1), ...KEYS.slice(HELD)]);
      const objects = new FsObjectStore(dir);
      for (const key of KEYS) expect(await objects.getTagging({ bucket: "data", key })).toEqual([{ key: "confidential", value: "true" }]);

      // One report row a task, every one succeeded, and no part object left behind.
      const job = (await new FsJobStore(dir).get(id))!;
      const report = (await readReport(objects, job))!;
      expect(report.rows.map((r) => [r.bucket, r.key, r.status, r.httpStatus])).toEqual(KEYS.map((k) => ["data", k, "succeeded", 200]));
      expect(report.files.every((f) => f.md5Matches)).toBe(true);
      const left = await objects.list({ bucket: "reports", prefix: `batch-op/job-${id}/` });
      expect(left.objects.map((o) => o.key).sort()).toEqual([report.manifestKey, ...report.files.map((f) => f.key)].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
