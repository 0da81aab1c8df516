/**
 * batchplane quickstart: create, confirm, list and cancel jobs through the JobService.
 * Run with `npm start`.
 */
import { JobService, MemoryJobStore, type Tenant } from "../src/index.js";

const jobs = new JobService({ store: new MemoryJobStore() });
const me: Tenant = { dialect: "default", account: "123456789012", region: "us-east-1" };

const tagJob = (token: string, confirmationRequired: boolean) =>
  jobs.createJob(me, {
    clientRequestToken: token,
    priority: 10,
    confirmationRequired,
    role: "role/batch-operations",
    operation: { type: "putTagging", tags: [{ key: "confidential", value: "true" }] },
    manifest: { location: { bucket: "manifests", key: "objects.csv" }, format: "csv", fields: ["bucket", "key"] },
    report: { enabled: true, bucket: "reports", prefix: "batch", scope: "AllTasks" },
  });

const show = (what: string, job: { id: string; status: string; priority: number }) =>
  console.log(`${what.padEnd(28)} ${job.id}  ${job.status.padEnd(10)} priority ${job.priority}`);

const { job: first } = await tagJob("first", true);
show("created (needs confirmation)", first);

// The engine normally reads the manifest here; these two events stand in for it.
await jobs.advance(first.id, "prepare");
show("waiting for confirmation", await jobs.advance(first.id, "awaitConfirmation"));
show("confirmed", await jobs.updateJobStatus(me, first.id, "Ready", "checked the manifest"));

const { job: second } = await tagJob("second", false);
show("created", second);
show("reprioritised", await jobs.updateJobPriority(me, second.id, 99));

const again = await tagJob("second", false);
console.log(`same token again             ${again.job.id}  (created: ${again.created})`);

console.log("\nListJobs, newest first:");
for (const job of (await jobs.listJobs(me)).jobs) show("  listed", job);

show("cancelled", await jobs.updateJobStatus(me, second.id, "Cancelled", "no longer needed"));
console.log(`\nstill active: ${(await jobs.listJobs(me, { statuses: ["Ready", "New"] })).jobs.length} job(s)`);
