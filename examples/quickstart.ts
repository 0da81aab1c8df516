/**
 * batchplane quickstart: the JobService calls a control plane offers (create, confirm, reprioritise,
 * list, cancel) with the engine running the jobs over an in-memory object store.
 * Run with `npm run quickstart`.
 */
import { Engine, JobService, MemoryJobStore, MemoryObjectStore, type Tenant } from "../src/index.js";

const objects = new MemoryObjectStore({ buckets: ["photos", "manifests", "reports"] });
for (const key of ["cat.jpg", "dog.jpg"]) await objects.put({ bucket: "photos", key, body: key });
await objects.put({ bucket: "manifests", key: "pets.csv", body: "photos,cat.jpg\nphotos,dog.jpg\n" });

const jobs = new JobService({ store: new MemoryJobStore() });
// runUntilIdle runs the jobs as far as they can go, then returns; a server calls engine.start().
const engine = new Engine({ jobs, objects });
const me: Tenant = { dialect: "default", account: "123456789012", region: "us-east-1" };

const tagJob = (token: string, confirmationRequired: boolean) =>
  jobs.createJob(me, {
    clientRequestToken: token,
    priority: 10,
    confirmationRequired,
    role: "role/batch-operations",
    operation: { type: "putTagging", tags: [{ key: "pet", value: "yes" }] },
    manifest: { location: { bucket: "manifests", key: "pets.csv" }, format: "csv", fields: ["bucket", "key"] },
    report: { enabled: true, bucket: "reports", prefix: "batch", scope: "AllTasks" },
  });

const show = (what: string, job: { id: string; status: string; priority: number }) =>
  console.log(`${what.padEnd(28)} ${job.id}  ${job.status.padEnd(10)} priority ${job.priority}`);

const { job: first } = await tagJob("first", true);
show("created (needs confirmation)", first);
await engine.runUntilIdle();
show("manifest read, waiting", await jobs.describeJob(me, first.id));
show("confirmed", await jobs.updateJobStatus(me, first.id, "Ready", "checked the manifest"));
await engine.runUntilIdle();
const done = await jobs.describeJob(me, first.id);
show("ran", done);
console.log(`${"".padEnd(28)} ${done.progress.succeeded} of ${done.progress.total} tasks succeeded`);

const { job: second } = await tagJob("second", true);
show("created", second);
show("reprioritised", await jobs.updateJobPriority(me, second.id, 99));
const again = await tagJob("second", true);
console.log(`${"same token again".padEnd(28)} ${again.job.id}  (created: ${again.created})`);

console.log("\nListJobs, newest first:");
for (const job of (await jobs.listJobs(me)).jobs) show("  listed", job);

show("cancelled", await jobs.updateJobStatus(me, second.id, "Cancelled", "no longer needed"));
console.log(`\nunfinished: ${(await jobs.listJobs(me, { statuses: ["New", "Suspended", "Ready", "Active"] })).jobs.length} job(s)`);
