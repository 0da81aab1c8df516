import { elapsedActiveSeconds, type Job, type Manifest, type ManifestGenerator, type ReportConfig, type Tag } from "../../src/core/model/index.js";
import type { JobListing } from "../../src/core/ports.js";
import { bucketArn, objectArn } from "./arn.js";
import { ENCRYPTION_FILTERS, FIELDS, type S3ControlJobData } from "./request.js";
import { operationName, operationToWire } from "./operations.js";
import {
  codec,
  GENERATED_MANIFEST_FORMAT,
  XMLNS,
  type WireGenerator,
  type WireJobDescriptor,
  type WireJobListDescriptor,
  type WireManifest,
  type WireReport,
} from "./shapes.js";
import type { z } from "zod";

/**
 * Core job → response shapes. What the user submitted is echoed as submitted: the ARN strings
 * come from the job's dialectData; a job created by other means gets `arn:aws:s3:::` ARNs.
 */

export function jobArn(job: Job): string {
  return `arn:aws:s3:${job.tenant.region || "us-east-1"}:${job.tenant.account}:job/${job.id}`;
}

function arnsOf(job: Job): S3ControlJobData["arns"] {
  return ((job.dialectData as S3ControlJobData | undefined)?.arns ?? {}) as S3ControlJobData["arns"];
}

const date = (n: number | undefined) => (n === undefined ? undefined : new Date(n));

function progressSummary(job: Pick<Job, "progress">, now: number) {
  // Before the manifest is counted the service reports zeros (a job that failed early shows 0/0/0).
  return {
    TotalNumberOfTasks: job.progress.total ?? 0,
    NumberOfTasksSucceeded: job.progress.succeeded ?? 0,
    NumberOfTasksFailed: job.progress.failed ?? 0,
    Timers: { ElapsedTimeInActiveSeconds: elapsedActiveSeconds(job.progress, now) },
  };
}

export function jobDescriptor(job: Job, now: number): WireJobDescriptor {
  const arns = arnsOf(job);
  return {
    JobId: job.id,
    ConfirmationRequired: job.confirmationRequired,
    Description: job.description,
    JobArn: jobArn(job),
    Status: job.status,
    Manifest: job.manifest && manifestToWire(job.manifest, arns.manifest),
    Operation: operationToWire(job.operation, arns),
    Priority: job.priority,
    ProgressSummary: progressSummary(job, now),
    StatusUpdateReason: job.statusUpdateReason,
    FailureReasons: job.failureReasons.map((f) => ({ FailureCode: f.code, FailureReason: f.reason })),
    Report: reportToWire(job.report, arns.report),
    CreationTime: new Date(job.creationTime),
    TerminationDate: date(job.terminationDate),
    RoleArn: job.role,
    SuspendedDate: date(job.suspendedDate),
    SuspendedCause: job.suspendedCause,
    ManifestGenerator: job.generator && { S3JobManifestGenerator: generatorToWire(job.generator, arns, (job.dialectData as S3ControlJobData | undefined)?.sizes) },
    GeneratedManifestDescriptor: job.generatedManifest && {
      Format: GENERATED_MANIFEST_FORMAT,
      Location: {
        ObjectArn: objectArn(job.generatedManifest.location.bucket, job.generatedManifest.location.key),
        ObjectVersionId: job.generatedManifest.location.versionId,
        ETag: job.generatedManifest.location.etag,
      },
    },
  };
}

export function jobListDescriptor(job: JobListing, now: number): WireJobListDescriptor {
  return {
    JobId: job.id,
    Description: job.description,
    Operation: operationName(job.operation),
    Priority: job.priority,
    Status: job.status,
    CreationTime: new Date(job.creationTime),
    TerminationDate: date(job.terminationDate),
    ProgressSummary: progressSummary(job, now),
  };
}

const WIRE_FIELDS = Object.fromEntries(Object.entries(FIELDS).map(([w, c]) => [c, w])) as Record<string, "Ignore" | "Bucket" | "Key" | "VersionId">;

function manifestToWire(m: Manifest, arn: string | undefined): WireManifest {
  return {
    Spec: {
      Format: m.format === "csv" ? "S3BatchOperations_CSV_20180820" : "S3InventoryReport_CSV_20161130",
      Fields: m.fields?.map((f) => WIRE_FIELDS[f]!),
    },
    Location: {
      ObjectArn: arn ?? objectArn(m.location.bucket, m.location.key),
      ObjectVersionId: m.location.versionId,
      ETag: m.location.etag as string,
    },
  };
}

function reportToWire(r: ReportConfig, arn: string | undefined): WireReport {
  return {
    Bucket: r.bucket === undefined ? undefined : (arn ?? bucketArn(r.bucket)),
    Format: r.format as WireReport["Format"],
    Enabled: r.enabled,
    Prefix: r.prefix,
    ReportScope: r.scope,
    ExpectedBucketOwner: r.expectedBucketOwner,
  };
}

const WIRE_ENCRYPTION = Object.fromEntries(Object.entries(ENCRYPTION_FILTERS).map(([w, c]) => [c, w]));

/** As sent when the job came through this dialect, else the core's bound. */
function sizeBound(sent: string | undefined, core: number | undefined): bigint | undefined {
  return sent !== undefined ? BigInt(sent) : core === undefined ? undefined : BigInt(core);
}

function generatorToWire(g: ManifestGenerator, arns: S3ControlJobData["arns"], sizes: S3ControlJobData["sizes"]): WireGenerator {
  const f = g.filter;
  const keys = f && (f.keyPrefixes || f.keySuffixes || f.keySubstrings)
    ? { MatchAnyPrefix: f.keyPrefixes, MatchAnySuffix: f.keySuffixes, MatchAnySubstring: f.keySubstrings }
    : undefined;
  return {
    ExpectedBucketOwner: g.expectedBucketOwner,
    SourceBucket: arns.generatorSource ?? bucketArn(g.sourceBucket),
    ManifestOutputLocation: g.output && {
      ExpectedManifestBucketOwner: g.output.expectedBucketOwner,
      Bucket: arns.generatorOutput ?? bucketArn(g.output.bucket),
      ManifestPrefix: g.output.prefix,
      ManifestEncryption: g.output.encryption && (g.output.encryption.type === "kms" ? { "SSE-KMS": { KeyId: g.output.encryption.kmsKeyId ?? "" } } : { "SSE-S3": {} }),
      ManifestFormat: GENERATED_MANIFEST_FORMAT,
    },
    Filter: f && {
      EligibleForReplication: f.eligibleForReplication,
      CreatedAfter: date(f.createdAfter),
      CreatedBefore: date(f.createdBefore),
      ObjectReplicationStatuses: f.replicationStatuses as NonNullable<WireGenerator["Filter"]>["ObjectReplicationStatuses"],
      KeyNameConstraint: keys,
      ObjectSizeGreaterThanBytes: sizeBound(sizes?.greaterThan, f.sizeGreaterThan),
      ObjectSizeLessThanBytes: sizeBound(sizes?.lessThan, f.sizeLessThan),
      MatchAnyStorageClass: f.storageClasses as NonNullable<WireGenerator["Filter"]>["MatchAnyStorageClass"],
      MatchAnyObjectEncryption: f.encryption?.map((e) => ({
        [WIRE_ENCRYPTION[e.type]!]: e.type === "kms" ? { KmsKeyArn: e.kmsKeyId, BucketKeyEnabled: e.bucketKeyEnabled } : e.type === "dual-kms" ? { KmsKeyArn: e.kmsKeyId } : {},
      })),
    },
    EnableManifestOutput: g.enableOutput ?? false,
  };
}

export function tagsToWire(tags: readonly Tag[]) {
  return tags.map((t) => ({ Key: t.key, Value: t.value }));
}

/** A success body: `<{root} xmlns="…">…</{root}>`, written through the shape's schema. */
export function resultXml(root: string, schema: z.ZodType, value: unknown): string {
  return codec.document(root, schema, value, { xmlns: XMLNS });
}
