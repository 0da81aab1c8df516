import { contentMd5Problem } from "../content-md5.js";
import type { ListJobsRequest } from "../../src/core/jobs/job-service.js";
import type { CreateJobInput } from "../../src/core/model/job.js";
import type { Manifest, ManifestField } from "../../src/core/model/manifest.js";
import type { ReportConfig } from "../../src/core/model/report.js";
import { parseXml, XmlNode, XmlShapeError } from "../xml/index.js";
import { parseBucketArn, parseObjectArn } from "./arn.js";
import { EchoRecorder } from "./echo.js";
import { CosError } from "./errors.js";
import { decodeOperation } from "./operations.js";
import * as S from "./schemas.js";
import { arnOf, check, only, optional, prune, required, value } from "./xml-values.js";

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
  const root = new XmlNode(parseXml(body, { maxDepth: 16, maxElements: 5000 }));
  if (root.name !== ROOT) throw new XmlShapeError(root.name, `is not a CreateJob request: the root element must be ${ROOT}`);
  only(root, ["ClientRequestToken", "ConfirmationRequired", "Description", "Manifest", "Operation", "Priority", "Report", "RoleArn"]);
  const echo = new EchoRecorder(ROOT);
  return prune({
    clientRequestToken: required(root, "ClientRequestToken", S.clientRequestToken),
    confirmationRequired: optional(root, "ConfirmationRequired", S.booleanText) ?? false,
    description: optional(root, "Description", S.description),
    manifest: decodeManifest(root.require("Manifest"), echo),
    operation: decodeOperation(root.require("Operation"), echo),
    priority: required(root, "Priority", S.priority),
    report: decodeReport(root.require("Report"), echo),
    role: required(root, "RoleArn", S.roleArn),
    dialectData: { echo: echo.texts },
  });
}

function decodeManifest(node: XmlNode, echo: EchoRecorder): Manifest {
  only(node, ["Location", "Spec"]);
  const location = node.require("Location");
  only(location, ["ETag", "ObjectArn", "ObjectVersionId"]);
  const spec = node.require("Spec");
  only(spec, ["Fields", "Format"]);

  const arnNode = location.require("ObjectArn");
  const arn = arnOf(arnNode, parseObjectArn);
  echo.keep(arnNode);
  const format = required(spec, "Format", S.manifestFormat);
  const fieldsNode = spec.child("Fields");
  if (!fieldsNode && format === CSV) throw new XmlShapeError(`${spec.path}/Fields`, `is required when Format is ${CSV}`);
  return prune({
    location: prune({
      bucket: arn.bucket,
      key: arn.key,
      versionId: optional(location, "ObjectVersionId", S.objectVersionId),
      // Kept as given, quotes and all (D-CJ quotes it, D-CJ0 and Go do not); the core ignores
      // quotes when it compares, and DescribeJob echoes the spelling.
      etag: required(location, "ETag", S.etag),
    }),
    format: format === CSV ? "csv" : "inventory",
    fields: fieldsNode && fieldsOf(fieldsNode),
  });
}

function fieldsOf(node: XmlNode): ManifestField[] {
  only(node, ["member"]);
  const fields = node.all("member").map((m) => value(m, S.manifestField));
  for (const name of ["Bucket", "Key", "VersionId"] as const) {
    const n = fields.filter((f) => f === name).length;
    if (n > 1 || (n === 0 && name !== "VersionId")) {
      throw new CosError("InvalidArgument", `${node.path} must name ${name} ${name === "VersionId" ? "at most" : "exactly"} once, got ${fields.join(",") || "no fields"}`);
    }
  }
  return fields.map((f) => FIELD[f]);
}

function decodeReport(node: XmlNode, echo: EchoRecorder): ReportConfig {
  only(node, ["Bucket", "Enabled", "Format", "Prefix", "ReportScope"]);
  const enabled = required(node, "Enabled", S.booleanText);
  // Go always sends Bucket, Format and ReportScope, empty when unset (spec §3.4): they matter only
  // when the report is enabled; otherwise an empty one is echoed and nothing more.
  const part = (name: string) => {
    const c = enabled ? node.require(name) : node.child(name);
    echo.keep(c);
    return c && (enabled || c.text !== "") ? c : undefined;
  };
  const bucket = part("Bucket");
  const format = part("Format");
  const scope = part("ReportScope");
  return prune({
    enabled,
    bucket: bucket && arnOf(bucket, parseBucketArn).bucket,
    prefix: optional(node, "Prefix", S.reportPrefix),
    format: format && value(format, S.reportFormat),
    scope: scope && value(scope, S.reportScope),
  });
}
