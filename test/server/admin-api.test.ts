import { CreateJobCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { afterEach, describe, expect, it } from "vitest";
import { localEndpointConfig } from "../../dialects/s3-control/index.js";
import { JobService } from "../../src/core/jobs/job-service.js";
import { jobEventStream, type JobEvent } from "../../src/server/admin/events.js";
import { createFetchHandler } from "../../src/server/fetch-handler.js";
import { defaultDialects } from "../../src/server/default-dialects.js";
import { serve, type RunningServer } from "../../src/server/serve.js";
import { MemoryJobStore } from "../../src/stores/memory-job-store.js";
import { tagJobInput } from "../dialects/s3-control/support.js";

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(options: Parameters<typeof serve>[0] = {}) {
  const running = await serve({ port: 0, ...options });
  servers.push(running);
  await running.objects.createBucket!("photos");
  const put = await running.objects.put({ bucket: "photos", key: "list.csv", body: "photos,a.jpg\nphotos,b.jpg\nphotos,c.jpg\n" });
  for (const key of ["a.jpg", "b.jpg", "c.jpg"]) await running.objects.put({ bucket: "photos", key, body: key });
  const create = async (token: string) => {
    const s3 = new S3ControlClient({ ...localEndpointConfig(running.url), maxAttempts: 1 });
    try {
      const { JobId } = await s3.send(
        new CreateJobCommand({
          ...tagJobInput(),
          ClientRequestToken: token,
          ConfirmationRequired: false,
          Manifest: { Spec: { Format: "S3BatchOperations_CSV_20180820", Fields: ["Bucket", "Key"] }, Location: { ObjectArn: "arn:aws:s3:::photos/list.csv", ETag: put.etag } },
          Report: { Enabled: false },
        }),
      );
      return JobId!;
    } finally {
      s3.destroy();
    }
  };
  return { running, create };
}

/** Reads Server-Sent Events off a response until `stop` says so. */
async function readEvents(res: Response, stop: (events: JobEvent[]) => boolean): Promise<JobEvent[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: JobEvent[] = [];
  let buffer = "";
  while (!stop(events)) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (/^event: job$/m.test(block) && data) events.push(JSON.parse(data) as JobEvent);
    }
  }
  await reader.cancel();
  return events;
}

describe("the admin API (/_batchplane/api/)", () => {
  it("streams job changes as Server-Sent Events: created, every status, progress, to Complete", async () => {
    const { running, create } = await start();
    const res = await fetch(`${running.url}/_batchplane/api/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reading = readEvents(res, (events) => events.some((e) => e.job.status === "Complete"));
    const id = await create("sse");
    const events = await reading;
    expect(events.every((e) => e.job.id === id)).toBe(true);
    expect(events[0]).toMatchObject({ change: "created", job: { status: "New", dialect: "s3-control", account: "123456789012", operation: "putTagging" } });
    const statuses = events.filter((e) => e.change === "status").map((e) => `${e.from}->${e.job.status}`);
    expect(statuses).toEqual(["New->Preparing", "Preparing->Ready", "Ready->Active", "Active->Completing", "Completing->Complete"]);
    expect(events[events.length - 1]!.job.progress).toMatchObject({ total: 3, succeeded: 3, failed: 0 });
  });

  it("sends one job's progress at most once per interval, and always its latest value", async () => {
    const jobs = new JobService({ store: new MemoryJobStore() });
    const { job } = await jobs.createJob(
      { dialect: "test", account: "1", region: "" },
      { clientRequestToken: "t", priority: 1, confirmationRequired: false, role: "r", operation: { type: "deleteTagging" }, manifest: { format: "csv", location: { bucket: "b", key: "k" }, fields: ["bucket", "key"] }, report: { enabled: false } },
    );
    const stream = jobEventStream(jobs, () => true, { progressIntervalMs: 300 });
    const reading = readEvents(new Response(stream), (events) => events.length >= 2);
    for (let n = 1; n <= 5; n++) await jobs.update(job.id, (d) => void (d.progress.succeeded = n));
    const events = await reading;
    // The first write goes at once; the four within the interval become one, carrying the last.
    expect(events.map((e) => [e.change, e.job.progress.succeeded])).toEqual([
      ["progress", 1],
      ["progress", 5],
    ]);
  });

  it("lists every job with filters, describes one, and answers errors in JSON", async () => {
    const { running, create } = await start();
    const id = await create("list");
    const get = (path: string, init?: RequestInit) => fetch(`${running.url}/_batchplane/api/${path}`, init);
    const all = (await (await get("jobs")).json()) as { jobs: { id: string }[] };
    expect(all.jobs.map((j) => j.id)).toEqual([id]);
    expect(((await (await get("jobs?dialect=oss")).json()) as { jobs: unknown[] }).jobs).toEqual([]);
    expect(((await (await get("jobs?account=123456789012&status=New,Preparing,Ready,Active,Completing,Complete")).json()) as { jobs: unknown[] }).jobs).toHaveLength(1);
    const one = (await (await get(`jobs/${id}`)).json()) as { job: { id: string; failureReasons: unknown[] } };
    expect(one.job).toMatchObject({ id, failureReasons: [] });

    const bad = await get("jobs?status=Sleeping");
    expect([bad.status, await bad.json()]).toEqual([400, { error: { code: "InvalidArgument", message: 'unknown job status "Sleeping"' } }]);
    expect(bad.headers.get("x-batchplane-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect((await get("jobs/nope")).status).toBe(404);
    expect((await get("nothing-here")).status).toBe(404);
    const wrong = await get("jobs", { method: "POST" });
    expect([wrong.status, wrong.headers.get("allow")]).toEqual([405, "GET"]);
    // A dialect's headers do not make it a dialect's request.
    expect((await get("jobs", { headers: { "x-amz-account-id": "123456789012" } })).status).toBe(200);
  });

  it("with an admin token, refuses requests without it (401 with WWW-Authenticate) and answers those with it", async () => {
    const { running } = await start({ adminToken: "s3cret-token" });
    const get = (headers: Record<string, string> = {}) => fetch(`${running.url}/_batchplane/api/jobs`, { headers });
    const none = await get();
    expect([none.status, none.headers.get("www-authenticate"), ((await none.json()) as { error: { code: string } }).error.code]).toEqual([401, "Bearer", "Unauthorized"]);
    expect((await get({ authorization: "Bearer wrong" })).status).toBe(401);
    expect((await get({ authorization: "Bearer s3cret-token" })).status).toBe(200);
    // The event stream too.
    expect((await fetch(`${running.url}/_batchplane/api/events`)).status).toBe(401);
  });

  it("is served by the fetch handler as well, and can be turned off", async () => {
    const jobs = new JobService({ store: new MemoryJobStore() });
    const on = createFetchHandler({ jobs, dialects: defaultDialects() });
    expect((await on(new Request("http://h/_batchplane/api/jobs"))).status).toBe(200);
    const off = createFetchHandler({ jobs, dialects: defaultDialects(), admin: false });
    expect((await off(new Request("http://h/_batchplane/api/jobs"))).status).toBe(404);
  });
});
