import { expect, it } from "vitest";
import { main } from "./embed-in-node-http.js";

it("the embedding example serves the SDK and its host's own routes on one port", async () => {
  const lines: string[] = [];
  const result = await main((line) => lines.push(line));
  expect(result).toMatchObject({ health: "ok", status: "New" });
  expect(lines).toEqual(["GET /health -> ok", `CreateJob -> ${result.jobId}, DescribeJob -> New, confirmation required: true`]);
});
