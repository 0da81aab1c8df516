import { afterEach, describe, expect, it } from "vitest";
import { Engine, JobService, ManualClock, SequentialIds } from "../../../src/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";
import { MemoryObjectStore } from "../../../src/stores/memory-object-store.js";
import { FaultInjectingStore, seedManifest, seedObjects } from "../../../src/testing/index.js";
import { createBody, TAGGING } from "./examples.js";
import { sdkRig } from "./support.js";

/**
 * COS's pre-emption (D-MG: Active → Pausing → Paused when a higher-priority job runs, Paused →
 * Active when it completes), seen through the COS Node SDK's signed request(). Object calls are
 * held at gates; time moves only by the ManualClock.
 */

const SOURCE = "sourcebucket-1250000000";
type Rig = Awaited<ReturnType<typeof sdkRig>>;
let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function world() {
  const clock = new ManualClock(Date.UTC(2019, 11, 19, 18, 0, 30));
  const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new SequentialIds() });
  const objects = new MemoryObjectStore({ clock });
  const faults = new FaultInjectingStore(objects);
  const engine = new Engine({ jobs, objects: faults, clock, concurrency: 2 });
  const keys = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}/${i}.txt`);
  await seedObjects(objects, SOURCE, [...keys("low", 5), ...keys("high", 2)]);
  rig = await sdkRig({ jobs });
  const sdk = rig;
  const create = async (name: string, n: number, priority: number, confirm: boolean): Promise<string> => {
    const manifest = await seedManifest(objects, { bucket: SOURCE, key: `manifests/${name}.csv` }, keys(name, n).map((k) => [SOURCE, k] as const));
    const body = createBody({
      operation: TAGGING,
      token: `token-${name}`,
      replace: [
        [/<ETag>[^<]*<\/ETag>/, `<ETag>"${manifest.location.etag}"</ETag>`],
        ["manifests/batch-copy-manifest.csv", `manifests/${name}.csv`],
        ["<Priority>10</Priority>", `<Priority>${priority}</Priority>`],
        ["<ConfirmationRequired>false", `<ConfirmationRequired>${confirm}`],
      ],
    });
    return (await sdk.request("POST", "/jobs", { body })).CreateJobResult.JobId;
  };
  const describeJob = async (id: string) => (await sdk.request("GET", `/jobs/${id}`)).DescribeJobResult.Job;
  return { clock, jobs, faults, engine, sdk, create, describeJob };
}

describe("pre-emption through the COS SDK", () => {
  it("pauses a running low-priority job while a higher-priority one runs, then resumes and completes it", async () => {
    const { clock, jobs, faults, engine, sdk, create, describeJob } = await world();
    const lowGate = faults.hold({ operations: "putTagging", key: /^low\// });
    const highGate = faults.hold({ operations: "putTagging", key: /^high\// });
    const high = await create("high", 2, 20, true);
    const low = await create("low", 5, 1, false);
    const run = engine.runUntilIdle();
    await lowGate.arrived(2);
    expect((await describeJob(low)).Status).toBe("Active");
    await sdk.request("POST", `/jobs/${high}/status`, { query: { requestedJobStatus: "Ready" } });
    lowGate.release();
    await highGate.arrived(2);

    clock.advance(5_000);
    await new Promise<void>((resolve) => jobs.subscribe((job) => job.id === low && job.status === "Paused" && resolve()));
    expect(await describeJob(low)).toMatchObject({ Status: "Paused", ProgressSummary: { NumberOfTasksSucceeded: "2", TotalNumberOfTasks: "5" } });
    expect((await describeJob(high)).Status).toBe("Active");
    // A priority change is accepted while Paused (D-MG: "may be changed while a job runs").
    const priority = await sdk.request("POST", `/jobs/${low}/priority`, { query: { priority: "3" } });
    expect(priority.UpdateJobPriorityResult).toEqual({ JobId: low, Priority: "3" });

    highGate.release();
    await run;
    expect(await describeJob(high)).toMatchObject({ Status: "Complete" });
    expect(await describeJob(low)).toMatchObject({ Status: "Complete", Priority: "3", ProgressSummary: { NumberOfTasksSucceeded: "5", NumberOfTasksFailed: "0" } });
  });
});
