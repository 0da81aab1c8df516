/**
 * `npm run example`: a batch job, for real, on the in-memory stores. A PutObjectTagging job over a
 * manifest of five objects (one of which is missing), run by the engine in server mode; prints the
 * job's statuses as they change, then its completion report.
 */
import { bodyToBytes, Engine, JobService, MemoryJobStore, MemoryObjectStore, type Job, type Tenant } from "../src/index.js";

const objects = new MemoryObjectStore();
const jobs = new JobService({ store: new MemoryJobStore() });
const engine = new Engine({ jobs, objects });
const me: Tenant = { dialect: "default", account: "123456789012", region: "us-east-1" };

// Some objects, a manifest naming them (keys URL-encoded, as manifests require), a report bucket.
await objects.createBucket("photos");
await objects.createBucket("manifests");
await objects.createBucket("reports");
for (const key of ["2026/beach.jpg", "2026/city at night.jpg", "2026/café.jpg", "2026/mountains.jpg"]) {
  await objects.put({ bucket: "photos", key, body: `pixels of ${key}`, contentType: "image/jpeg" });
}
const manifest = ["2026/beach.jpg", "2026/city%20at%20night.jpg", "2026/caf%C3%A9.jpg", "2026/mountains.jpg", "2026/lost.jpg"]
  .map((key) => `photos,${key}\n`)
  .join("");
const { etag } = await objects.put({ bucket: "manifests", key: "photos.csv", body: manifest });

jobs.subscribe((_job, change) => {
  if (change.type === "status") console.log(`  ${change.from.padEnd(10)} → ${change.to}`);
});
const finished = new Promise<Job>((resolve) =>
  jobs.subscribe((job) => {
    if (job.status === "Complete" || job.status === "Failed" || job.status === "Cancelled") resolve(job);
  }),
);

engine.start();
const { job } = await jobs.createJob(me, {
  clientRequestToken: "tag-photos-2026",
  priority: 10,
  confirmationRequired: false,
  role: "role/batch-operations",
  operation: { type: "putTagging", tags: [{ key: "album", value: "2026" }] },
  manifest: { location: { bucket: "manifests", key: "photos.csv", etag }, format: "csv", fields: ["bucket", "key"] },
  report: { enabled: true, bucket: "reports", prefix: "batch", scope: "AllTasks" },
});
console.log(`job ${job.id}`);
const done = await finished;
await engine.stop();

const { total, succeeded, failed } = done.progress;
console.log(`\n${done.status}: ${total} tasks, ${succeeded} succeeded, ${failed} failed`);
console.log(`tags of 2026/café.jpg: ${JSON.stringify(await objects.getTagging({ bucket: "photos", key: "2026/café.jpg" }))}`);

const read = async (key: string) => new TextDecoder().decode(await bodyToBytes((await objects.get({ bucket: "reports", key })).body));
const reportKey = `batch/job-${done.id}/manifest.json`;
const report = JSON.parse(await read(reportKey)) as { Results: { TaskExecutionStatus: string; Key: string }[] };
console.log(`\ns3://reports/${reportKey}\n${JSON.stringify(report, null, 2)}`);
for (const result of report.Results) {
  console.log(`\ns3://reports/${result.Key} (${result.TaskExecutionStatus})\n${(await read(result.Key)).trimEnd()}`);
}
