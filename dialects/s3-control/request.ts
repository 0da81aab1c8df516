import type { CreateJobInput, Manifest, ManifestGenerator, ReportConfig, Tag } from "../../src/core/model/index.js";
import { parseXml, XmlShapeError, type XmlElement } from "../xml/index.js";
import { bucketOfArn, objectOfArn } from "./arn.js";
import { operationToCore, type OperationArns } from "./operations.js";
import {
  codec,
  createJobRequest,
  putJobTaggingRequest,
  type WireCreateJob,
  type WireGenerator,
  type WireManifest,
  type WireReport,
} from "./shapes.js";

/**
 * Request XML → core input. Reading is lenient where the SDKs differ (namespace or none, element
 * order, `<x/>` or `<x />`, 0-6 fractional digits) and strict about everything else.
 */

/** The wire details DescribeJob echoes that the core's bucket/key model does not hold. */
export interface S3ControlJobData extends Record<string, unknown> {
  arns: OperationArns & {
    manifest?: string;
    report?: string;
    generatorSource?: string;
    generatorOutput?: string;
  };
  /** The generator filter's size bounds as sent: 64-bit, more than a core number holds exactly. */
  sizes?: { greaterThan?: string; lessThan?: string };
}

/** The nesting the job API needs is about 10 deep; anything far deeper is hostile. */
const XML_LIMITS = { maxDepth: 24, maxElements: 20_000 };

function rootElement(body: Uint8Array, expected: string): XmlElement {
  if (body.byteLength === 0) throw new XmlShapeError(expected, "the request body is empty; it must be a <" + expected + "> document");
  const root = parseXml(body, XML_LIMITS);
  if (root.name !== expected) throw new XmlShapeError(root.name, `the root element must be <${expected}>`);
  return root;
}

export function readCreateJob(body: Uint8Array): CreateJobInput {
  const wire = codec.readValidated(createJobRequest, rootElement(body, "CreateJobRequest"));
  return createJobToCore(wire);
}

export function createJobToCore(wire: WireCreateJob): CreateJobInput {
  const root = "CreateJobRequest";
  const data: S3ControlJobData = { arns: {} };
  const operation = operationToCore(wire.Operation, `${root}/Operation`);
  if (wire.Operation.S3PutObjectCopy) data.arns.copyTarget = wire.Operation.S3PutObjectCopy.TargetResource;
  const input: CreateJobInput = {
    clientRequestToken: wire.ClientRequestToken,
    priority: wire.Priority,
    // Absent means true: the service does not follow its own model here (spec §6.3).
    confirmationRequired: wire.ConfirmationRequired ?? true,
    role: wire.RoleArn,
    description: wire.Description,
    operation,
    manifest: wire.Manifest && manifestToCore(wire.Manifest, data, `${root}/Manifest`),
    generator: wire.ManifestGenerator && generatorToCore(wire.ManifestGenerator.S3JobManifestGenerator, data, `${root}/ManifestGenerator/S3JobManifestGenerator`),
    report: reportToCore(wire.Report, data, `${root}/Report`),
    tags: tagsToCore(wire.Tags),
    dialectData: data,
  };
  return compact(input);
}

function manifestToCore(m: WireManifest, data: S3ControlJobData, path: string): Manifest {
  const { bucket, key } = objectOfArn(m.Location.ObjectArn, `${path}/Location/ObjectArn`);
  data.arns.manifest = m.Location.ObjectArn;
  return {
    location: { bucket, key, versionId: m.Location.ObjectVersionId, etag: m.Location.ETag },
    format: m.Spec.Format === "S3BatchOperations_CSV_20180820" ? "csv" : "inventory",
    fields: m.Spec.Fields?.map((f) => FIELDS[f]),
  };
}

export const FIELDS = { Ignore: "ignore", Bucket: "bucket", Key: "key", VersionId: "versionId" } as const;

function reportToCore(r: WireReport, data: S3ControlJobData, path: string): ReportConfig {
  if (r.Bucket !== undefined) data.arns.report = r.Bucket;
  return {
    enabled: r.Enabled,
    bucket: r.Bucket === undefined ? undefined : bucketOfArn(r.Bucket, `${path}/Bucket`),
    prefix: r.Prefix,
    format: r.Format,
    scope: r.ReportScope,
    expectedBucketOwner: r.ExpectedBucketOwner,
  };
}

export const ENCRYPTION_FILTERS = {
  "SSE-S3": "managed",
  "SSE-KMS": "kms",
  "DSSE-KMS": "dual-kms",
  "SSE-C": "customer",
  "NOT-SSE": "none",
} as const;

function generatorToCore(g: WireGenerator, data: S3ControlJobData, path: string): ManifestGenerator {
  data.arns.generatorSource = g.SourceBucket;
  const out = g.ManifestOutputLocation;
  if (out) data.arns.generatorOutput = out.Bucket;
  const f = g.Filter;
  if (f?.ObjectSizeGreaterThanBytes !== undefined || f?.ObjectSizeLessThanBytes !== undefined) {
    data.sizes = { greaterThan: f.ObjectSizeGreaterThanBytes?.toString(), lessThan: f.ObjectSizeLessThanBytes?.toString() };
  }
  return {
    sourceBucket: bucketOfArn(g.SourceBucket, `${path}/SourceBucket`),
    expectedBucketOwner: g.ExpectedBucketOwner,
    enableOutput: g.EnableManifestOutput,
    output: out && {
      bucket: bucketOfArn(out.Bucket, `${path}/ManifestOutputLocation/Bucket`),
      prefix: out.ManifestPrefix,
      expectedBucketOwner: out.ExpectedManifestBucketOwner,
      encryption: out.ManifestEncryption?.["SSE-KMS"]
        ? { type: "kms", kmsKeyId: out.ManifestEncryption["SSE-KMS"].KeyId }
        : out.ManifestEncryption?.["SSE-S3"]
          ? { type: "managed" }
          : undefined,
      format: out.ManifestFormat,
    },
    filter: f && {
      eligibleForReplication: f.EligibleForReplication,
      createdAfter: f.CreatedAfter?.getTime(),
      createdBefore: f.CreatedBefore?.getTime(),
      replicationStatuses: f.ObjectReplicationStatuses,
      keyPrefixes: f.KeyNameConstraint?.MatchAnyPrefix,
      keySuffixes: f.KeyNameConstraint?.MatchAnySuffix,
      keySubstrings: f.KeyNameConstraint?.MatchAnySubstring,
      sizeGreaterThan: f.ObjectSizeGreaterThanBytes === undefined ? undefined : lowerBound(f.ObjectSizeGreaterThanBytes),
      sizeLessThan: f.ObjectSizeLessThanBytes === undefined ? undefined : upperBound(f.ObjectSizeLessThanBytes),
      storageClasses: f.MatchAnyStorageClass,
      encryption: f.MatchAnyObjectEncryption?.map((e) => {
        const [name, value] = Object.entries(e).find(([, v]) => v !== undefined)! as [keyof typeof ENCRYPTION_FILTERS, { KmsKeyArn?: string; BucketKeyEnabled?: boolean }];
        return { type: ENCRYPTION_FILTERS[name], kmsKeyId: value.KmsKeyArn, bucketKeyEnabled: value.BucketKeyEnabled };
      }),
    },
  };
}

/**
 * The model's long size bounds in the core's terms, with the same meaning for every object (no
 * object is negative or past 2^53 bytes): "larger than" a negative size is no bound at all;
 * "smaller than" zero or less matches nothing, as "smaller than 0" does; bounds past the safe
 * range stop there. DescribeJob echoes the values as sent (dialectData.sizes).
 */
function lowerBound(n: bigint): number | undefined {
  return n < 0n ? undefined : Number(n > MAX_SAFE ? MAX_SAFE : n);
}

function upperBound(n: bigint): number {
  return n < 0n ? 0 : Number(n > MAX_SAFE ? MAX_SAFE : n);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function tagsToCore(tags: { Key: string; Value: string }[] | undefined): Tag[] | undefined {
  return tags?.map((t) => ({ key: t.Key, value: t.Value }));
}

export function readPutJobTagging(body: Uint8Array): Tag[] {
  return tagsToCore(codec.readValidated(putJobTaggingRequest, rootElement(body, "PutJobTaggingRequest")).Tags)!;
}

/** Drops members that are undefined, at every depth, so stored jobs hold only what was given. */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compact) as T;
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = compact(v);
  return out as T;
}
