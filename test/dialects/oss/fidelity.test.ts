import { describe, expect, it } from "vitest";
import { ossDialect } from "../../../dialects/oss/index.js";
import { Engine, JobService } from "../../../src/index.js";
import { ManualClock } from "../../../src/core/clock.js";
import { createFetchHandler } from "../../../src/server/index.js";
import { MemoryJobStore } from "../../../src/stores/memory-job-store.js";
import { MemoryObjectStore } from "../../../src/stores/memory-object-store.js";
import { elements } from "../../support/seed-http.js";
import { GO_T_LIST } from "./go-fixtures.js";
import { createJobXml, HOST, QueuedIds, textOf, V1_AUTH } from "./harness.js";

/** Issue 14's OSS fidelity items, against the Go SDK's captured bytes and the DescribeJob page. */
async function world() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const objects = new MemoryObjectStore({ clock, buckets: ["data", "manifest-bucket", "report-bucket"] });
  const jobs = new JobService({ store: new MemoryJobStore(), clock, ids: new QueuedIds([]) });
  const engine = new Engine({ jobs, objects, clock });
  const oss = createFetchHandler({ jobs, dialects: [ossDialect()] });
  const send = async (method: string, target: string, body?: string) =>
    (await oss(new Request(`http://${HOST}${target}`, { method, body, headers: { authorization: V1_AUTH } }))).text();
  return { objects, engine, send };
}

const summary = (xml: string, root: string) =>
  elements(xml)
    .filter((e) => e.path.startsWith(`${root}/ProgressSummary/`))
    .map((e) => ({ ...e, path: e.path.slice(root.length + 1) }));

describe("OSS DescribeJob and ListJobs fidelity", () => {
  it("shows -1 for all three counters of a job that failed before its manifest was counted, as Go's ListJobs fixture", async () => {
    const { engine, send } = await world();
    // No manifest object: the job fails while preparing.
    const id = textOf(await send("POST", "/?batchJob", createJobXml()), "JobId")!;
    await engine.runUntilIdle();
    const described = await send("GET", `/?batchJob&batchJobId=${id}`);
    expect(textOf(described, "Status")).toBe("Failed");
    const listed = await send("GET", "/?batchJob");
    // The fixture's first job failed 7 s after creation, never counted: its summary, element by element.
    const first = /<JobListDescriptor>[\s\S]*?<\/JobListDescriptor>/.exec(GO_T_LIST)![0];
    expect(first).toContain("<Status>Failed</Status>");
    expect(summary(/<JobListDescriptor>[\s\S]*?<\/JobListDescriptor>/.exec(listed)![0], "JobListDescriptor")).toEqual(summary(first, "JobListDescriptor"));
    const counters = summary(described, "DescribeJobResult/Job").filter((e) => !e.path.includes("Timers"));
    expect(counters.map((e) => e.text)).toEqual(["-1", "-1", "-1"]);
  });

  it("returns FailureReasons with an empty JobFailure child for a job that did not fail [D-DJ]", async () => {
    const { objects, engine, send } = await world();
    await objects.put({ bucket: "data", key: "a.jpg", body: "a" });
    await objects.put({ bucket: "manifest-bucket", key: "manifest.csv", body: "data,a.jpg\n" });
    const id = textOf(await send("POST", "/?batchJob", createJobXml()), "JobId")!;
    await engine.runUntilIdle();
    const described = await send("GET", `/?batchJob&batchJobId=${id}`);
    expect(textOf(described, "Status")).toBe("Complete");
    expect(elements(described).filter((e) => e.path.includes("/FailureReasons"))).toEqual([
      { path: "DescribeJobResult/Job/FailureReasons" },
      { path: "DescribeJobResult/Job/FailureReasons/JobFailure", text: "" },
    ]);
    expect(described).toContain("<FailureReasons><JobFailure/></FailureReasons>");
  });
});
