import type { z } from "zod";
import type { JobService } from "../../src/core/jobs/job-service.js";
import { elapsedActiveSeconds, type Tenant } from "../../src/core/model/index.js";
import type { WireRequest } from "../dialect.js";
import { describeIssue } from "../xml/index.js";
import { readCreateJob, readPutJobTagging } from "./request.js";
import { jobDescriptor, jobListDescriptor, resultXml, tagsToWire } from "./response.js";
import { S3ControlError, type WireProblem } from "./errors.js";
import type { S3ControlOperation } from "./routes.js";
import * as S from "./schemas.js";
import * as W from "./shapes.js";

/**
 * The eight operations: each reads its path, query and body, makes one JobService call, and
 * returns the result shape to write. No job logic lives here.
 */

export interface OperationRequest {
  request: WireRequest;
  tenant: Tenant;
  /** Path labels, percent-decoded. */
  params: Record<string, string>;
  jobs: JobService;
  /** DescribeJob bodies already written, by job version (see `rendered`). */
  written: RenderCache;
}

/** A body to write through `schema`, a body already written, or nothing (200, empty body). */
export type OperationResult = { root: string; schema: z.ZodType; value: unknown } | { xml: string } | undefined;

export type Handler = (r: OperationRequest) => Promise<OperationResult>;

/** A path, query or header value checked against the model; the message names the parameter. */
function param<S extends z.ZodType>(schema: S, value: unknown, name: string, problem: WireProblem = "InvalidParameter"): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data as z.infer<S>;
  const issue = result.error.issues[0]!;
  const shown = typeof value === "string" ? ` (got "${value.slice(0, 64)}")` : "";
  throw new S3ControlError(problem, `${name} ${describeIssue(issue)}${shown}`);
}

/** A query parameter that may appear at most once. */
function single(r: OperationRequest, name: string, problem: WireProblem = "InvalidParameter"): string | undefined {
  const all = r.request.url.searchParams.getAll(name);
  if (all.length > 1) throw new S3ControlError(problem, `${name} appears ${all.length} times in the query; give it once`);
  return all[0];
}

function required(r: OperationRequest, name: string): string {
  const v = single(r, name);
  if (v === undefined) throw new S3ControlError("InvalidParameter", `the query parameter ${name} is required`);
  return v;
}

/** The path's job id; the pattern test first, since every job request checks one. */
function jobIdOf(r: OperationRequest): string {
  const id = r.params.id ?? "";
  return id.length >= 5 && id.length <= 36 && S.JOB_ID.test(id) ? id : param(S.jobId, id, "JobId");
}

export const createJob: Handler = async (r) => {
  const input = readCreateJob(r.request.body);
  const { job } = await r.jobs.createJob(r.tenant, input);
  return { root: "CreateJobResult", schema: W.createJobResult, value: { JobId: job.id } };
};

export const listJobs: Handler = async (r) => {
  // Both SDKs repeat the key (jobStatuses=Active&jobStatuses=New); a comma list is accepted too.
  const statuses = r.request.url.searchParams
    .getAll("jobStatuses")
    .flatMap((s) => s.split(","))
    .map((s) => param(S.jobStatusValue, s, "jobStatuses", "InvalidListParameter"));
  const max = single(r, "maxResults", "InvalidListParameter");
  const maxResults = max === undefined ? undefined : param(S.queryInt(0, 1000), max, "maxResults", "InvalidListParameter");
  const token = single(r, "nextToken", "InvalidNextToken");
  const nextToken = token === undefined ? undefined : param(S.nextToken, token, "nextToken", "InvalidNextToken");
  const page = await r.jobs.listJobs(r.tenant, {
    statuses,
    // 0 is in the model's range but would make an empty page forever: read it as "the default".
    maxResults: maxResults === 0 ? undefined : maxResults,
    nextToken,
  });
  const now = r.jobs.clock.now();
  return {
    root: "ListJobsResult",
    schema: W.listJobsResult,
    value: { NextToken: page.nextToken, Jobs: page.jobs.map((j) => jobListDescriptor(j, now)) },
  };
};

export const describeJob: Handler = async (r) => {
  const job = await r.jobs.describeJob(r.tenant, jobIdOf(r));
  const now = r.jobs.clock.now();
  // Clients poll DescribeJob; its body changes only with the job's version and its active time,
  // so a body once written serves every poll until then.
  const key = `${job.id}\u0000${job.version}\u0000${elapsedActiveSeconds(job.progress, now)}`;
  const xml = r.written.get(key) ?? r.written.set(key, resultXml("DescribeJobResult", W.describeJobResult, { Job: jobDescriptor(job, now) }));
  return { xml };
};

/** A small LRU of written bodies: bounded, oldest out first. */
export class RenderCache {
  private readonly entries = new Map<string, string>();
  constructor(private readonly limit = 1024) {}
  get(key: string): string | undefined {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }
  set(key: string, value: string): string {
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

export const updateJobPriority: Handler = async (r) => {
  const id = jobIdOf(r);
  const priority = param(S.queryInt(0, 2147483647), required(r, "priority"), "priority");
  const job = await r.jobs.updateJobPriority(r.tenant, id, priority);
  return { root: "UpdateJobPriorityResult", schema: W.updateJobPriorityResult, value: { JobId: job.id, Priority: job.priority } };
};

export const updateJobStatus: Handler = async (r) => {
  const id = jobIdOf(r);
  const requested = param(S.requestedJobStatus, required(r, "requestedJobStatus"), "requestedJobStatus");
  const reasonText = single(r, "statusUpdateReason");
  const reason = reasonText === undefined ? undefined : param(S.statusUpdateReason, reasonText, "statusUpdateReason");
  const job = await r.jobs.updateJobStatus(r.tenant, id, requested, reason);
  return {
    root: "UpdateJobStatusResult",
    schema: W.updateJobStatusResult,
    // The status after the request, e.g. Cancelling for a running job (spec §3.5).
    value: { JobId: job.id, Status: job.status, StatusUpdateReason: job.statusUpdateReason },
  };
};

export const getJobTagging: Handler = async (r) => {
  const tags = await r.jobs.getJobTags(r.tenant, jobIdOf(r));
  // An untagged job answers <Tags/>; both SDKs read it as [] (spec §3.6).
  return { root: "GetJobTaggingResult", schema: W.getJobTaggingResult, value: { Tags: tagsToWire(tags) } };
};

export const putJobTagging: Handler = async (r) => {
  const id = jobIdOf(r);
  await r.jobs.putJobTags(r.tenant, id, readPutJobTagging(r.request.body));
  return undefined;
};

export const deleteJobTagging: Handler = async (r) => {
  await r.jobs.deleteJobTags(r.tenant, jobIdOf(r));
  return undefined;
};

/** Each route's handler (routes.ts names them). */
export const HANDLERS: Record<S3ControlOperation, Handler> = {
  CreateJob: createJob,
  ListJobs: listJobs,
  DescribeJob: describeJob,
  UpdateJobPriority: updateJobPriority,
  UpdateJobStatus: updateJobStatus,
  GetJobTagging: getJobTagging,
  PutJobTagging: putJobTagging,
  DeleteJobTagging: deleteJobTagging,
};
