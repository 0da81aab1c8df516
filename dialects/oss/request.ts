import type { CreateJobInput, ListJobsRequest, Manifest, ManifestGenerator, ReportConfig } from "../../src/core/index.js";
import { parseXml, XmlNode } from "../xml/index.js";
import { OssWireError } from "./errors.js";
import { decodeOperation } from "./operations.js";
import { checked, leafText, only, optionalText, requiredChild, requiredText } from "./read.js";
import {
  clientRequestTokenSchema,
  continuationTokenSchema,
  jobIdSchema,
  jobStatusesSchema,
  MANIFEST_FIELDS,
  MANIFEST_FORMATS,
  manifestFieldsSchema,
  manifestFormatSchema,
  MAX_KEYS_DEFAULT,
  maxKeysSchema,
  prioritySchema,
  reportScopeSchema,
  requestedJobStatusSchema,
  roleArnSchema,
  statusUpdateReasonSchema,
} from "./schemas.js";

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

const ROOT_CHILDREN = [
  "ConfirmationRequired",
  "Operation",
  "Report",
  "ClientRequestToken",
  "Manifest",
  "KeyPrefixManifestGenerator",
  "Description",
  "Priority",
  "RoleArn",
];

/**
 * The CreateJobRequest body [S-CJ, spec §4.1], in any element order, with or without the XML
 * prolog. Absent required elements are MissingArgument, bad values InvalidArgument, elements
 * out of place MalformedXML (the codes for these are unspecified; COS's analog is the model).
 */
export function decodeCreateJob(body: Uint8Array): CreateJobInput {
  const root = new XmlNode(parseXml(body, XML_LIMITS));
  if (root.name !== "CreateJobRequest") {
    throw new OssWireError("MalformedXML", `the root element must be CreateJobRequest, not ${root.name}`);
  }
  only(root, ROOT_CHILDREN);
  const description = root.child("Description");
  const source = decodeSource(root);
  return {
    clientRequestToken: checked(clientRequestTokenSchema, requiredText(root, "ClientRequestToken"), `${root.path}/ClientRequestToken`),
    priority: checked(prioritySchema, requiredText(root, "Priority"), `${root.path}/Priority`),
    confirmationRequired: root.boolean("ConfirmationRequired") ?? false,
    role: checked(roleArnSchema, requiredText(root, "RoleArn"), `${root.path}/RoleArn`, "InvalidRoleArn"),
    ...(description && { description: leafText(description) }),
    operation: decodeOperation(requiredChild(root, "Operation")),
    report: decodeReport(requiredChild(root, "Report")),
    ...source,
  };
}

/** Exactly one of Manifest and KeyPrefixManifestGenerator [S-CJ]. */
function decodeSource(root: XmlNode): { manifest: Manifest; dialectData: OssDialectData } | { generator: ManifestGenerator } {
  const manifest = root.child("Manifest");
  const generator = root.child("KeyPrefixManifestGenerator");
  if (manifest && generator) {
    throw new OssWireError("InvalidArgument", `${root.path}: give either Manifest or KeyPrefixManifestGenerator, not both`);
  }
  if (generator) {
    only(generator, ["SourceBucket", "Prefix"]);
    const prefix = generator.child("Prefix");
    return { generator: { sourceBucket: requiredText(generator, "SourceBucket"), ...(prefix && { prefix: leafText(prefix) }) } };
  }
  if (!manifest) throw new OssWireError("MissingArgument", `${root.path}: Manifest or KeyPrefixManifestGenerator is required`);

  only(manifest, ["Location", "Spec"]);
  const location = requiredChild(manifest, "Location");
  only(location, ["ETag", "Bucket", "Object", "VersionId"]);
  const spec = requiredChild(manifest, "Spec");
  only(spec, ["Fields", "Format"]);
  const formatName = checked(manifestFormatSchema, requiredText(spec, "Format"), `${spec.path}/Format`);
  const format = MANIFEST_FORMATS[formatName];
  const fieldsText = optionalText(spec, "Fields");
  // Fields describe a custom CSV; an inventory's columns come from its manifest.json, so there
  // they are echoed but not used.
  const fields =
    fieldsText !== undefined && format === "csv"
      ? checked(manifestFieldsSchema, fieldsText, `${spec.path}/Fields`).map((f) => MANIFEST_FIELDS[f])
      : undefined;
  const etag = optionalText(location, "ETag");
  const versionId = optionalText(location, "VersionId");
  return {
    manifest: {
      location: { bucket: requiredText(location, "Bucket"), key: requiredText(location, "Object"), ...(etag && { etag }), ...(versionId && { versionId }) },
      format,
      ...(fields && { fields }),
    },
    dialectData: { manifestFormat: formatName, ...(fieldsText !== undefined && { manifestFields: fieldsText }) },
  };
}

/**
 * Report{Bucket, Enabled, Prefix, ReportScope} [S-CJ]. The docs mark Bucket required; a
 * disabled report without one is accepted (unspecified), since it names nothing to write.
 */
function decodeReport(node: XmlNode): ReportConfig {
  only(node, ["Bucket", "Enabled", "Prefix", "ReportScope"]);
  const enabled = node.boolean("Enabled");
  if (enabled === undefined) throw new OssWireError("MissingArgument", `${node.path}/Enabled: is required`);
  const bucket = enabled ? requiredText(node, "Bucket") : optionalText(node, "Bucket");
  const prefix = node.child("Prefix");
  const scope = node.child("ReportScope");
  return {
    enabled,
    ...(bucket !== undefined && { bucket }),
    ...(prefix && { prefix: leafText(prefix) }),
    ...(scope && { scope: checked(reportScopeSchema, leafText(scope), scope.path) }),
  };
}
