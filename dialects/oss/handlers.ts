import type { JobService, Tenant } from "../../src/core/index.js";
import type { WireRequest } from "../dialect.js";
import { decodeCreateJob, decodeListJobs, decodeUpdateJobPriority, decodeUpdateJobStatus, type Query } from "./request.js";
import { encodeCreateJob, encodeDescribeJob, encodeListJobs, encodeUpdateJobPriority, encodeUpdateJobStatus } from "./response.js";
import type { OssOperation } from "./routes.js";

export interface Call {
  request: WireRequest;
  query: Query;
  tenant: Tenant;
  jobs: JobService;
}

/** One line of glue per API: decode, call the core, encode the response body (XML). */
export const HANDLERS: Record<OssOperation, (call: Call) => Promise<string>> = {
  CreateJob: async ({ request, tenant, jobs }) => encodeCreateJob((await jobs.createJob(tenant, decodeCreateJob(request.body))).job),
  DescribeJob: async ({ query, tenant, jobs }) => encodeDescribeJob(await jobs.describeJob(tenant, query.jobId()), jobs.clock.now()),
  ListJobs: async ({ query, tenant, jobs }) => encodeListJobs(await jobs.listJobs(tenant, decodeListJobs(query)), jobs.clock.now()),
  UpdateJobPriority: async ({ query, tenant, jobs }) => {
    const { jobId, priority } = decodeUpdateJobPriority(query);
    return encodeUpdateJobPriority(await jobs.updateJobPriority(tenant, jobId, priority));
  },
  UpdateJobStatus: async ({ query, tenant, jobs }) => {
    const { jobId, requested, reason } = decodeUpdateJobStatus(query);
    return encodeUpdateJobStatus(await jobs.updateJobStatus(tenant, jobId, requested, reason));
  },
};
