import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateJobCommand, DescribeJobCommand, S3ControlClient, UpdateJobPriorityCommand, UpdateJobStatusCommand, type CreateJobCommandInput } from "@aws-sdk/client-s3-control";
import { afterEach, describe, expect, it } from "vitest";
import { localEndpointConfig, s3ControlDialect } from "../../../dialects/s3-control/index.js";
import { Engine, JobService, MemoryJobStore, MemoryObjectStore } from "../../../src/index.js";
import { ManualClock } from "../../../src/core/clock.js";
import { SequentialIds } from "../../../src/core/ids.js";
import { createNodeHandler } from "../../../src/server/index.js";
import { FaultInjectingStore, seedManifest, seedObjects } from "../../../src/testing/index.js";
import { ACCOUNT, ROLE } from "./support.js";

/**
 * Pre-emption seen through the AWS SDK v3: a low-priority job holding every task slot meets a
 * high-priority one, pauses after the policy's delay (5 s) while the high one runs, and goes
 * back to Active, then Complete, once the high one is done. Object calls are held at gates so
 * that each moment can be looked at; time moves only by the ManualClock.
 */

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function world() {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 0, 0));
  const objects = new MemoryObjectStore({ clock });
  const faults = new FaultInjectingStore(objects);
  const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
  const engine = new Engine({ jobs, objects: faults, clock, concurrency: 2 });
  const server = createServer(createNodeHandler({ jobs, dialects: [s3ControlDialect()] }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const s3 = new S3ControlClient({ ...localEndpointConfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), maxAttempts: 1 });
  close = async () => {
    s3.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  const keys = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}/${i}.jpg`);
  await seedObjects(objects, "photos", [...keys("low", 6), ...keys("high", 3)]);
  await objects.createBucket("reports");
  const input = async (name: string, n: number, priority: number, confirm: boolean): Promise<CreateJobCommandInput> => {
    const manifest = await seedManifest(objects, { bucket: "manifests", key: `${name}.csv` }, keys(name, n).map((k) => ["photos", k] as const));
    return {
      AccountId: ACCOUNT,
      ClientRequestToken: name,
      Priority: priority,
      ConfirmationRequired: confirm,
      RoleArn: ROLE,
      Operation: { S3PutObjectTagging: { TagSet: [{ Key: "by", Value: name }] } },
      Manifest: {
        Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] },
        Location: { ObjectArn: "arn:aws:s3:::manifests/" + `${name}.csv`, ETag: manifest.location.etag },
      },
      Report: { Enabled: true, Bucket: "arn:aws:s3:::reports", Prefix: name, Format: "Report_CSV_20180820", ReportScope: "AllTasks" },
    };
  };
  const describeJob = async (JobId: string) => (await s3.send(new DescribeJobCommand({ AccountId: ACCOUNT, JobId }))).Job!;
  return { clock, faults, jobs, engine, s3, input, describeJob };
}

/**
 * The low job (6 tasks, priority 1) running in both slots, the high one (3 tasks, priority 50)
 * confirmed then; returned once the high job holds both slots and the low one has tasks left.
 */
async function contest() {
  const w = await world();
  const { faults, jobs, engine, s3, input, describeJob } = w;
  const lowGate = faults.hold({ operations: "putTagging", key: /^low\// });
  const highGate = faults.hold({ operations: "putTagging", key: /^high\// });
  const high = (await s3.send(new CreateJobCommand(await input("high", 3, 50, true)))).JobId!;
  const low = (await s3.send(new CreateJobCommand(await input("low", 6, 1, false)))).JobId!;
  const seen: string[] = [];
  jobs.subscribe((job, change) => void (change.type === "status" && job.id === low && seen.push(change.to)));
  const run = engine.runUntilIdle();
  await lowGate.arrived(2);
  expect((await describeJob(low)).Status).toBe("Active");
  await s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: high, RequestedJobStatus: "Ready" }));
  lowGate.release();
  await highGate.arrived(2);
  const paused = () => new Promise<void>((resolve) => jobs.subscribe((job) => job.id === low && job.status === "Paused" && resolve()));
  return { ...w, high, low, highGate, seen, run, paused };
}

describe("pre-emption through the AWS SDK", () => {
  it("shows a low-priority job Active, then Paused while a high-priority job runs, then Active again and Complete", async () => {
    const { clock, faults, s3, describeJob, high, low, highGate, seen, run, paused: isPaused } = await contest();
    expect(await describeJob(high)).toMatchObject({ Status: "Active" });
    clock.advance(4_999);
    expect((await describeJob(low)).Status).toBe("Active");
    clock.advance(1);
    await isPaused();
    const paused = await describeJob(low);
    expect(paused).toMatchObject({ Status: "Paused", ProgressSummary: { TotalNumberOfTasks: 6, NumberOfTasksSucceeded: 2, NumberOfTasksFailed: 0 } });

    // Paused time is not active time; the priority may change; the job resumes when slots free up.
    clock.advance(120_000);
    const later = await describeJob(low);
    expect(later.ProgressSummary!.Timers!.ElapsedTimeInActiveSeconds).toBe(paused.ProgressSummary!.Timers!.ElapsedTimeInActiveSeconds);
    expect((await s3.send(new UpdateJobPriorityCommand({ AccountId: ACCOUNT, JobId: low, Priority: 2 }))).Priority).toBe(2);
    expect((await describeJob(low)).Status).toBe("Paused");

    const lastLow = faults.hold({ operations: "putTagging", key: "low/5.jpg" });
    highGate.release();
    await lastLow.arrived(1);
    expect((await describeJob(high)).Status).toBe("Complete");
    expect((await describeJob(low)).Status).toBe("Active");
    lastLow.release();
    await run;
    expect(await describeJob(low)).toMatchObject({ Status: "Complete", Priority: 2, ProgressSummary: { NumberOfTasksSucceeded: 6, NumberOfTasksFailed: 0 } });
    expect(seen).toEqual(["Preparing", "Ready", "Active", "Pausing", "Paused", "Active", "Completing", "Complete"]);
  });

  it("cancels a Paused job through Cancelling", async () => {
    const { clock, s3, describeJob, high, low, highGate, run, paused } = await contest();
    clock.advance(5_000);
    await paused();
    const cancelled = await s3.send(new UpdateJobStatusCommand({ AccountId: ACCOUNT, JobId: low, RequestedJobStatus: "Cancelled" }));
    expect(cancelled.Status).toBe("Cancelling");
    highGate.release();
    await run;
    expect(await describeJob(low)).toMatchObject({ Status: "Cancelled", ProgressSummary: { NumberOfTasksSucceeded: 2 } });
    expect((await describeJob(high)).Status).toBe("Complete");
  });
});
