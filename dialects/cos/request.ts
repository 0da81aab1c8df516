import { contentMd5Problem } from "../content-md5.js";
import type { ListJobsRequest } from "../../src/core/jobs/job-service.js";
import type { CreateJobInput } from "../../src/core/model/job.js";
import type { Manifest, ManifestField } from "../../src/core/model/manifest.js";
import type { ReportConfig } from "../../src/core/model/report.js";
import { parseXml, XmlShapeError } from "../xml/index.js";
import { parseBucketArn, parseObjectArn } from "./arn.js";
import { EchoRecorder } from "./echo.js";
import { CosError } from "./errors.js";
import { decodeOperation } from "./operations.js";
import * as S from "./schemas.js";
import { codec, createJobRequest, type WireCreateJob } from "./shapes.js";
import { arnOf, check, prune } from "./xml-values.js";

/** Requests on the wire → core calls. Bodies: CreateJob only; everything else is path and query. */

// ------------------------------------------------------------------ headers

/** COS checks a Content-MD5 that is sent (D-ERRC InvalidDigest / BadDigest); the Go SDK sends one with every body. */
export function checkContentMd5(headers: Headers, body: Uint8Array): void {
  const problem = contentMd5Problem(headers, body);
  if (problem?.kind === "malformed") {
    throw new CosError("InvalidDigest", `The Content-MD5 you specified is not a base64-encoded 128-bit MD5: "${problem.given}"`);
  }
  if (problem) throw new CosError("BadDigest", "The Content-MD5 you specified did not match what was received");
}

// ------------------------------------------------------------------ query

export function decodeListJobs(url: URL): ListJobsRequest {
  const q = url.searchParams;
  // Go sends one status; a repeated parameter or a comma list asks for several (unspecified).
  const statuses = q
    .getAll("jobStatuses")
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const s of statuses) check("jobStatuses", s, S.jobStatus);
  const max = q.get("maxResults");
  return prune({
    statuses: statuses.length > 0 ? statuses : undefined,
    maxResults: max === null || max === "" ? undefined : check("maxResults", max, S.maxResults),
    // A caller loop passes back the empty NextToken of a last page: that is no token.
    nextToken: q.get("nextToken") || undefined,
  });
}

export function decodePriority(url: URL): number {
  const p = url.searchParams.get("priority");
  if (p === null || p === "") throw new CosError("InvalidRequest", "No job priority provided: the priority query parameter is required");
  return check("priority", p, S.priority);
}

export function decodeStatusUpdate(url: URL): { requested: "Ready" | "Cancelled"; reason?: string } {
  const q = url.searchParams;
  const requested = check("requestedJobStatus", q.get("requestedJobStatus") ?? "", S.requestedJobStatus);
  const reason = q.get("statusUpdateReason");
  return prune({ requested, reason: reason === null ? undefined : check("statusUpdateReason", reason, S.statusUpdateReason) });
}

// ------------------------------------------------------------------ CreateJobRequest

const ROOT = "CreateJobRequest";
const CSV = "COSBatchOperations_CSV_V1";
const FIELD: Record<(typeof S.MANIFEST_FIELDS)[number], ManifestField> = { Ignore: "ignore", Bucket: "bucket", Key: "key", VersionId: "versionId" };

export function decodeCreateJob(body: Uint8Array): CreateJobInput {
  if (Buffer.from(body).toString("utf8").trim() === "") {
    throw new CosError("InvalidRequest", "The request body is empty: CreateJob needs a CreateJobRequest document");
  }
  const root = parseXml(body, { maxDepth: 16, maxElements: 5000 });
  if (root.name !== ROOT) throw new XmlShapeError(root.name, `is not a CreateJob request: the root element must be ${ROOT}`);
  const wire = codec.readValidated(createJobRequest, root);
  const echo = new EchoRecorder(ROOT);
  return prune({
    clientRequestToken: wire.ClientRequestToken,
    confirmationRequired: wire.ConfirmationRequired ?? false,
    description: wire.Description,
    manifest: decodeManifest(wire.Manifest, echo),
    operation: decodeOperation(wire.Operation, `${ROOT}/Operation`, echo),
    priority: wire.Priority,
    report: decodeReport(wire.Report, echo),
    role: wire.RoleArn,
    dialectData: { echo: echo.texts },
  });
}

function decodeManifest(manifest: WireCreateJob["Manifest"], echo: EchoRecorder): Manifest {
  const { Location: location, Spec: spec } = manifest;
  const path = `${ROOT}/Manifest`;
  const arn = arnOf(location.ObjectArn, `${path}/Location/ObjectArn`, parseObjectArn);
  echo.keep(`${path}/Location/ObjectArn`, location.ObjectArn);
  if (!spec.Fields && spec.Format === CSV) throw new XmlShapeError(`${path}/Spec/Fields`, `is required when Format is ${CSV}`);
  return prune({
    location: prune({
      bucket: arn.bucket,
      key: arn.key,
      versionId: location.ObjectVersionId,
      // Kept as given, quotes and all (D-CJ quotes it, D-CJ0 and Go do not); the core ignores
      // quotes when it compares, and DescribeJob echoes the spelling.
      etag: location.ETag,
    }),
    format: spec.Format === CSV ? "csv" : "inventory",
    fields: spec.Fields && fieldsOf(spec.Fields, `${path}/Spec/Fields`),
  });
}

function fieldsOf(fields: (typeof S.MANIFEST_FIELDS)[number][], path: string): ManifestField[] {
  for (const name of ["Bucket", "Key", "VersionId"] as const) {
    const n = fields.filter((f) => f === name).length;
    if (n > 1 || (n === 0 && name !== "VersionId")) {
      throw new CosError("InvalidArgument", `${path} must name ${name} ${name === "VersionId" ? "at most" : "exactly"} once, got ${fields.join(",") || "no fields"}`);
    }
  }
  return fields.map((f) => FIELD[f]);
}

function decodeReport(report: WireCreateJob["Report"], echo: EchoRecorder): ReportConfig {
  const enabled = report.Enabled;
  const path = `${ROOT}/Report`;
  // Go always sends Bucket, Format and ReportScope, empty when unset (spec §3.4): they matter only
  // when the report is enabled; otherwise an empty one is echoed and nothing more.
  const part = (name: "Bucket" | "Format" | "ReportScope") => {
    const text = report[name];
    if (enabled && text === undefined) throw new XmlShapeError(`${path}/${name}`, "is required");
    echo.keep(`${path}/${name}`, text);
    return text !== undefined && (enabled || text !== "") ? text : undefined;
  };
  const bucket = part("Bucket");
  const format = part("Format");
  const scope = part("ReportScope");
  return prune({
    enabled,
    bucket: bucket === undefined ? undefined : arnOf(check(`${path}/Bucket`, bucket, S.arnText), `${path}/Bucket`, parseBucketArn).bucket,
    prefix: report.Prefix,
    format: format === undefined ? undefined : check(`${path}/Format`, format, S.reportFormat),
    scope: scope === undefined ? undefined : check(`${path}/ReportScope`, scope, S.reportScope),
  });
}
