import { isObjectStoreError } from "../../src/core/ports.js";
import type { TransportProblem, WireResponse } from "../dialect.js";
import { SignatureError } from "../signature.js";
import { XmlShapeError, XmlSyntaxError, toXml } from "../xml/index.js";
import { idHeaders, type RequestIds } from "../s3-control/errors.js";

/**
 * Every failure → S3's code, HTTP status and `<Error>` envelope (Code, Message, the resource,
 * RequestId, HostId), as one table. Store errors (NoSuchKey, AccessDenied, InvalidObjectState...)
 * already carry S3's code and status (ObjectStoreError) and pass through as they are.
 */

export type S3Problem =
  | "NoSuchBucket"
  | "NoSuchUpload"
  | "NoSuchObjectLockConfiguration"
  | "ObjectLockConfigurationNotFoundError"
  | "ReplicationConfigurationNotFoundError"
  | "BucketAlreadyOwnedByYou"
  | "InvalidBucketName"
  | "InvalidRange"
  | "InvalidArgument"
  | "InvalidRequest"
  | "InvalidPart"
  | "InvalidPartOrder"
  | "EntityTooSmall"
  | "MalformedXML"
  | "MissingRequestBodyError"
  | "IncompleteBody"
  | "NotImplemented"
  | "MethodNotAllowed"
  | "InvalidTag"
  | "InternalError";

export const ERROR_TABLE: Record<S3Problem, number> = {
  NoSuchBucket: 404,
  NoSuchUpload: 404,
  NoSuchObjectLockConfiguration: 404,
  ObjectLockConfigurationNotFoundError: 404,
  ReplicationConfigurationNotFoundError: 404,
  BucketAlreadyOwnedByYou: 409,
  InvalidBucketName: 400,
  InvalidRange: 416,
  InvalidArgument: 400,
  InvalidRequest: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  EntityTooSmall: 400,
  MalformedXML: 400,
  MissingRequestBodyError: 400,
  IncompleteBody: 400,
  NotImplemented: 501,
  MethodNotAllowed: 405,
  InvalidTag: 400,
  InternalError: 500,
};

/** A failure the dialect itself detected; `details` become extra elements of the envelope (BucketName, Key...). */
export class S3Error extends Error {
  constructor(
    readonly code: S3Problem,
    message: string,
    readonly details: Record<string, string> = {},
  ) {
    super(message);
    this.name = "S3Error";
  }
}

interface Described {
  code: string;
  status: number;
  message: string;
  details: Record<string, string>;
}

export function describe(error: unknown): Described {
  if (error instanceof S3Error) return { code: error.code, status: ERROR_TABLE[error.code], message: error.message, details: error.details };
  if (error instanceof SignatureError) return { code: error.code, status: error.status, message: error.message, details: { ...error.details } };
  if (error instanceof XmlSyntaxError || error instanceof XmlShapeError) {
    return { code: "MalformedXML", status: 400, message: `The XML you provided was not well-formed or did not validate against our published schema: ${error.message}`, details: {} };
  }
  if (isObjectStoreError(error)) return { code: error.code, status: error.status, message: error.message, details: {} };
  return { code: "InternalError", status: 500, message: "We encountered an internal error. Please try again.", details: {} };
}

export function transportError(problem: TransportProblem): unknown {
  switch (problem.kind) {
    case "bodyTooLarge":
      return new S3Error("InvalidRequest", `The request body is larger than the limit of ${problem.limitBytes} bytes`);
    case "unreadableBody":
      return new S3Error("IncompleteBody", `The request body could not be read: ${problem.message}`);
    case "internal":
      return problem.error;
    case "unauthenticated":
      return problem.failure;
  }
}

export function errorResponse(error: unknown, ids: RequestIds, resource: string): WireResponse {
  const d = describe(error);
  const body = toXml("Error", { Code: d.code, Message: d.message.slice(0, 1024), ...d.details, Resource: resource.slice(0, 1024), RequestId: ids.requestId, HostId: ids.hostId });
  return { status: d.status, headers: { "content-type": "application/xml", ...idHeaders(ids) }, body };
}
