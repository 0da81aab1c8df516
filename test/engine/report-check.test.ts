import { describe, expect, it } from "vitest";
import { bedWith, DATA, statusLog } from "./support.js";

describe("the report destination, checked while Preparing", () => {
  it("a job whose report bucket does not exist fails before any task runs, saying why", async () => {
    const bed = await bedWith(["a", "b", "c"]);
    const seen = statusLog(bed);
    const created = await bed.job({ report: { enabled: true, bucket: "no-such-reports", prefix: "r", scope: "AllTasks" } });

    await bed.runUntilIdle();

    const job = await bed.describe(created.id);
    expect(seen).toEqual(["Preparing", "Failing", "Failed"]);
    expect(job.failureReasons).toEqual([
      {
        code: "ReportNotWritten",
        reason: expect.stringMatching(/^The job report could not be written to your report bucket\. .*"no-such-reports" answered NoSuchBucket; checked before any task ran/),
      },
    ]);
    // Not one object was changed.
    for (const key of ["a", "b", "c"]) expect(await bed.objects.getTagging({ bucket: DATA, key })).toEqual([]);
    expect(bed.faults.calls.filter((c) => c.operation === "putTagging")).toEqual([]);
  });

  it("a report bucket that exists lets the job run", async () => {
    const bed = await bedWith(["a"]);
    const created = await bed.job();
    await bed.runUntilIdle();
    expect((await bed.describe(created.id)).status).toBe("Complete");
  });
});
