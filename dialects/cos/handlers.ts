import type { JobService } from "../../src/core/jobs/job-service.js";
import type { Tenant } from "../../src/core/model/common.js";
import type { WireRequest } from "../dialect.js";
import { decodeCreateJob, decodeListJobs, decodePriority, decodeStatusUpdate } from "./request.js";
import {
  encodeCreateJob,
  encodeDescribeJob,
  encodeListJobs,
  encodeUpdatePriority,
  encodeUpdateStatus,
} from "./response.js";
import type { CosOperation } from "./routes.js";

export interface Call {
  jobs: JobService;
  tenant: Tenant;
  /** Present on the routes with a `:id` label. */
  jobId: string;
  request: WireRequest;
}

/** One line of glue per API: decode, call the core, encode. The body is XML, or none (DeleteJob). */
export const HANDLERS: Record<CosOperation, (call: Call) => Promise<string | undefined>> = {
  CreateJob: async ({ jobs, tenant, request }) => encodeCreateJob((await jobs.createJob(tenant, decodeCreateJob(request.body))).job),
  DescribeJob: async ({ jobs, tenant, jobId }) => encodeDescribeJob(await jobs.describeJob(tenant, jobId)),
  ListJobs: async ({ jobs, tenant, request }) => encodeListJobs(await jobs.listJobs(tenant, decodeListJobs(request.url))),
  UpdateJobPriority: async ({ jobs, tenant, jobId, request }) =>
    encodeUpdatePriority(await jobs.updateJobPriority(tenant, jobId, decodePriority(request.url))),
  UpdateJobStatus: async ({ jobs, tenant, jobId, request }) => {
    const { requested, reason } = decodeStatusUpdate(request.url);
    return encodeUpdateStatus(await jobs.updateJobStatus(tenant, jobId, requested, reason));
  },
  // The Go SDK's test fixture answers 200 with an empty body (spec §6.5).
  DeleteJob: async ({ jobs, tenant, jobId }) => {
    await jobs.deleteJob(tenant, jobId);
    return undefined;
  },
};
