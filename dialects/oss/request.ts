import type { CreateJobInput, ListJobsRequest, Manifest, ManifestGenerator, ReportConfig } from "../../src/core/index.js";
import { parseXml } from "../xml/index.js";
import { checked, OssWireError } from "./errors.js";
import { decodeOperation } from "./operations.js";
import {
  continuationTokenSchema,
  jobIdSchema,
  jobStatusesSchema,
  MANIFEST_FIELDS,
  MANIFEST_FORMATS,
  manifestFieldsSchema,
  MAX_KEYS_DEFAULT,
  maxKeysSchema,
  prioritySchema,
  requestedJobStatusSchema,
  roleArnSchema,
  statusUpdateReasonSchema,
} from "./schemas.js";
import { codec, createJobRequest, type WireCreateJob } from "./shapes.js";

/** A CreateJobRequest is about 15 levels deep and, with 10 tags, under 100 elements. */
const XML_LIMITS = { maxDepth: 16, maxElements: 1000 };

/**
 * What DescribeJob needs to echo the request exactly as submitted that the core model does not
 * keep in OSS's words (the core stores it in `Job.dialectData` and never reads it).
 */
export type OssDialectData = {
  /** Spec/Format as given, e.g. OSS_BatchOperations_CSV_20250611. */
  manifestFormat?: string;
  /** Spec/Fields as given, one comma-separated string. */
  manifestFields?: string;
};

// ------------------------------------------------------------------ query parameters

/** The query string, read once: `+` and `%20` are both spaces; a repeated parameter is refused. */
export class Query {
  private readonly params: URLSearchParams;
  constructor(url: URL) {
    this.params = url.searchParams;
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  get(name: string): string | undefined {
    const values = this.params.getAll(name);
    if (values.length > 1) throw new OssWireError("InvalidArgument", `${name}: must be given once, not ${values.length} times`);
    return values[0];
  }

  require(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw new OssWireError("MissingArgument", `${name}: is required`);
    return value;
  }

  jobId(): string {
    return checked(jobIdSchema, this.require("batchJobId"), "batchJobId", "InvalidJobId");
  }
}

export function decodeListJobs(q: Query): ListJobsRequest {
  const statuses = q.get("batchJobStatuses");
  const maxKeys = q.get("max-keys");
  const token = q.get("continuation-token");
  return {
    maxResults: maxKeys === undefined ? MAX_KEYS_DEFAULT : checked(maxKeysSchema, maxKeys, "max-keys"),
    ...(statuses !== undefined && { statuses: checked(jobStatusesSchema, statuses, "batchJobStatuses") }),
    ...(token !== undefined && { nextToken: checked(continuationTokenSchema, token, "continuation-token") }),
  };
}

export function decodeUpdateJobPriority(q: Query): { jobId: string; priority: number } {
  return { jobId: q.jobId(), priority: checked(prioritySchema, q.require("targetPriority"), "targetPriority") };
}

export function decodeUpdateJobStatus(q: Query): { jobId: string; requested: "Cancelled" | "Ready"; reason?: string } {
  const reason = q.get("statusUpdateReason");
  return {
    jobId: q.jobId(),
    requested: checked(requestedJobStatusSchema, q.require("requestedJobStatus"), "requestedJobStatus"),
    ...(reason !== undefined && { reason: checked(statusUpdateReasonSchema, reason, "statusUpdateReason") }),
  };
}

// ------------------------------------------------------------------ CreateJobRequest

const ROOT = "CreateJobRequest";

/**
 * The CreateJobRequest body [S-CJ, spec §4.1], in any element order, with or without the XML
 * prolog, read through shapes.ts; what the shape cannot say (one source, one operation, a bucket
 * for an enabled report, the role's form, the fields of a CSV) is checked here.
 */
export function decodeCreateJob(body: Uint8Array): CreateJobInput {
  const root = parseXml(body, XML_LIMITS);
  if (root.name !== ROOT) throw new OssWireError("MalformedXML", `the root element must be ${ROOT}, not ${root.name}`);
  const wire = codec.readValidated(createJobRequest, root);
  return {
    clientRequestToken: wire.ClientRequestToken,
    priority: wire.Priority,
    confirmationRequired: wire.ConfirmationRequired ?? false,
    role: checked(roleArnSchema, wire.RoleArn, `${ROOT}/RoleArn`, "InvalidRoleArn"),
    ...(wire.Description !== undefined && { description: wire.Description }),
    operation: decodeOperation(wire.Operation, `${ROOT}/Operation`),
    report: decodeReport(wire.Report),
    ...decodeSource(wire),
  };
}

/** Exactly one of Manifest and KeyPrefixManifestGenerator [S-CJ]. */
function decodeSource(wire: WireCreateJob): { manifest: Manifest; dialectData: OssDialectData } | { generator: ManifestGenerator } {
  const { Manifest: manifest, KeyPrefixManifestGenerator: generator } = wire;
  if (manifest && generator) throw new OssWireError("InvalidArgument", `${ROOT}: give either Manifest or KeyPrefixManifestGenerator, not both`);
  if (generator) return { generator: { sourceBucket: generator.SourceBucket, ...(generator.Prefix !== undefined && { prefix: generator.Prefix }) } };
  if (!manifest) throw new OssWireError("MissingArgument", `${ROOT}: Manifest or KeyPrefixManifestGenerator is required`);

  const { Location: location, Spec: spec } = manifest;
  const format = MANIFEST_FORMATS[spec.Format];
  // Fields describe a custom CSV; an inventory's columns come from its manifest.json, so there
  // they are echoed but not used.
  const fields =
    spec.Fields !== undefined && format === "csv"
      ? checked(manifestFieldsSchema, spec.Fields, `${ROOT}/Manifest/Spec/Fields`).map((f) => MANIFEST_FIELDS[f])
      : undefined;
  return {
    manifest: {
      location: {
        bucket: location.Bucket,
        key: location.Object,
        ...(location.ETag !== undefined && { etag: location.ETag }),
        ...(location.VersionId !== undefined && { versionId: location.VersionId }),
      },
      format,
      ...(fields && { fields }),
    },
    dialectData: { manifestFormat: spec.Format, ...(spec.Fields !== undefined && { manifestFields: spec.Fields }) },
  };
}

/**
 * Report{Bucket, Enabled, Prefix, ReportScope} [S-CJ]. The docs mark Bucket required; a
 * disabled report without one is accepted (unspecified), since it names nothing to write.
 */
function decodeReport(report: WireCreateJob["Report"]): ReportConfig {
  if (report.Enabled && report.Bucket === undefined) throw new OssWireError("MissingArgument", `${ROOT}/Report/Bucket: is required`);
  return {
    enabled: report.Enabled,
    ...(report.Bucket !== undefined && { bucket: report.Bucket }),
    ...(report.Prefix !== undefined && { prefix: report.Prefix }),
    ...(report.ReportScope !== undefined && { scope: report.ReportScope }),
  };
}
