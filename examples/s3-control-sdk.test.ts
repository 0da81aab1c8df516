import { expect, it } from "vitest";
import { main } from "./s3-control-sdk.js";

it("the README's SDK v3 example runs a job to Complete and reads its report", async () => {
  const lines: string[] = [];
  const result = await main((line) => lines.push(line));
  expect(result.status).toBe("Complete");
  expect(lines).toEqual([
    `created ${result.jobId}`,
    "Suspended: 3 tasks await confirmation",
    "Complete: 3 succeeded, 0 failed",
    "report: photos,2024/cat.jpg,,succeeded,200,,Successful",
    "report: photos,2024/dog.jpg,,succeeded,200,,Successful",
    "report: photos,2024/owl.jpg,,succeeded,200,,Successful",
  ]);
});
