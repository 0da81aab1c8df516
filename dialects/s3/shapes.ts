import { z } from "zod";
import { flatListOf, listOf, parseXml, timestamp, XmlCodec, XmlShapeError, type XmlElement } from "../xml/index.js";
import { S3Error } from "./errors.js";

/**
 * The request documents of the S3 object API (botocore s3 2006-03-01 model), declared for the
 * shared XML codec: element names as keys, lists flattened where S3 flattens them (Delete's
 * Object, CompleteMultipartUpload's Part). Responses are written as plain element trees (toXml)
 * in the model's member order, see responses.ts.
 */

export const XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

export const codec = new XmlCodec({ emptyIsAbsent: true });

const tag = z.strictObject({ Key: z.string().min(1).max(128), Value: z.string().max(256) });
export const tagging = z.strictObject({ TagSet: listOf(tag, "Tag") });

export const deleteRequest = z.strictObject({
  Object: flatListOf(z.strictObject({ Key: z.string().min(1), VersionId: z.string().optional(), ETag: z.string().optional() })).max(1000),
  Quiet: z.boolean().optional(),
});

export const createBucketConfiguration = z.strictObject({ LocationConstraint: z.string().optional() });

export const versioningConfiguration = z.strictObject({
  Status: z.enum(["Enabled", "Suspended"]).optional(),
  MfaDelete: z.enum(["Enabled", "Disabled"]).optional(),
});

export const legalHold = z.strictObject({ Status: z.enum(["ON", "OFF"]) });

export const retention = z.strictObject({
  Mode: z.enum(["GOVERNANCE", "COMPLIANCE"]).optional(),
  RetainUntilDate: timestamp("iso").optional(),
});

const tier = z.enum(["Standard", "Bulk", "Expedited"]);
export const restoreRequest = z.strictObject({
  Days: z.int().min(1).optional(),
  GlacierJobParameters: z.strictObject({ Tier: tier }).optional(),
  Tier: tier.optional(),
  Description: z.string().optional(),
});

const checksum = z.string().optional();
export const completeMultipartUpload = z.strictObject({
  Part: flatListOf(
    z.strictObject({
      PartNumber: z.int().min(1).max(10000),
      ETag: z.string(),
      ChecksumCRC32: checksum,
      ChecksumCRC32C: checksum,
      ChecksumCRC64NVME: checksum,
      ChecksumSHA1: checksum,
      ChecksumSHA256: checksum,
    }),
  ).min(1),
});

const grantee = z.strictObject({
  ID: z.string().optional(),
  DisplayName: z.string().optional(),
  URI: z.string().optional(),
  EmailAddress: z.string().optional(),
  Type: z.string().optional(),
});
export const accessControlPolicy = z.strictObject({
  Owner: z.strictObject({ ID: z.string().optional(), DisplayName: z.string().optional() }).optional(),
  AccessControlList: z
    .strictObject({ Grant: flatListOf(z.strictObject({ Grantee: grantee, Permission: z.enum(["FULL_CONTROL", "READ", "WRITE", "READ_ACP", "WRITE_ACP"]) })).optional() })
    .optional(),
});

/** Object API documents are small; anything far deeper or longer is hostile. */
const XML_LIMITS = { maxDepth: 12, maxElements: 20_000 };

function rootElement(body: Uint8Array, expected: string): XmlElement {
  if (body.byteLength === 0) throw new S3Error("MissingRequestBodyError", `Request Body is empty: a <${expected}> document is required`);
  const root = parseXml(body, XML_LIMITS);
  if (root.name !== expected) throw new XmlShapeError(root.name, `the root element must be <${expected}>`);
  return root;
}

export function readDocument<S extends z.ZodType>(body: Uint8Array, root: string, schema: S): z.output<S> {
  return codec.readValidated(schema, rootElement(body, root), root);
}
