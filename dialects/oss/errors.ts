import type { DomainErrorKind } from "../../src/core/index.js";
import { isDomainError, InvalidArgumentError } from "../../src/core/index.js";
import type { TransportProblem, WireResponse } from "../dialect.js";
import { toXml, XmlShapeError, XmlSyntaxError } from "../xml/index.js";

/** Problems the dialect itself finds on the wire (the core's errors have their own kinds). */
export type WireProblem =
  | "AccessDenied"
  | "InvalidAuthorization"
  | "MissingCredential"
  | "MissingArgument"
  | "InvalidArgument"
  | "InvalidJobId"
  | "InvalidRoleArn"
  | "MalformedXML"
  | "InvalidDigest"
  | "MethodNotAllowed"
  | "UnknownSubresource";

/** Thrown by the OSS codec and routes; `detail` says exactly what was wrong and where. */
export class OssWireError extends Error {
  constructor(
    readonly problem: WireProblem,
    readonly detail: string,
  ) {
    super(detail);
    this.name = "OssWireError";
  }
}

type Key = WireProblem | DomainErrorKind | "XmlSyntax" | "XmlShape" | TransportProblem["kind"];

interface Row {
  code: string;
  status: number;
  /** OSS's error-code ("EC") value: `documented` when a source gives it, else one batchplane assigns. */
  ec: string;
  documented: boolean;
  /** OSS's own wording, where a source gives it; the detail follows it. */
  message?: string;
}

const MALFORMED = "The XML you provided was not well-formed or did not validate against our published schema.";

/**
 * Every error the OSS dialect answers, by what went wrong. Codes, statuses and ECs come from
 * shared/spec/alibaba-oss.md §13 where a source gives them. ECs no source gives are assigned from
 * 0017-9999xxxx (0017 is the batch-operations family; 9999xxxx is a range no OSS page uses), so
 * that they can never be mistaken for real ones; the EC is "not stable, do not build logic on it"
 * [ERR] in any case.
 */
const TABLE: Record<Key, Row> = {
  // ---------------------------------------------------------------- authentication
  // No Authorization at all: the brief's 403 AccessDenied; the Go fixture's wording [GO-T].
  AccessDenied: { code: "AccessDenied", status: 403, ec: "0017-99990001", documented: false, message: "AccessDenied" },
  // Malformed `OSS ak:sig` header: status and code unspecified; 400 InvalidArgument chosen.
  InvalidAuthorization: { code: "InvalidArgument", status: 400, ec: "0017-99990002", documented: false, message: "Authorization header is invalid." },
  // `OSS4-HMAC-SHA256` without Credential: EC documented [0002-00000205]; status and code unspecified.
  MissingCredential: { code: "InvalidArgument", status: 400, ec: "0002-00000205", documented: true, message: "Authorization header is invalid." },

  // ---------------------------------------------------------------- request shape
  MissingArgument: { code: "MissingArgument", status: 400, ec: "0016-00000502", documented: true, message: "Missing Some Required Arguments." },
  // A bad value (found here or by the core): InvalidArgument 400 [GO-T status only]; EC unspecified.
  InvalidArgument: { code: "InvalidArgument", status: 400, ec: "0017-99990003", documented: false },
  // A malformed batchJobId: EC documented [EC1002]; status and code unspecified.
  InvalidJobId: { code: "InvalidArgument", status: 400, ec: "0017-00001002", documented: true },
  // A malformed RoleArn: EC documented [EC1009]; status and code unspecified.
  InvalidRoleArn: { code: "InvalidArgument", status: 400, ec: "0017-00001009", documented: true },
  MalformedXML: { code: "MalformedXML", status: 400, ec: "0031-00000001", documented: true, message: MALFORMED },
  XmlSyntax: { code: "MalformedXML", status: 400, ec: "0031-00000001", documented: true, message: MALFORMED },
  XmlShape: { code: "MalformedXML", status: 400, ec: "0031-00000001", documented: true, message: MALFORMED },
  // Content-MD5 that does not match the body: OSS's general code; EC unspecified.
  InvalidDigest: { code: "InvalidDigest", status: 400, ec: "0017-99990004", documented: false, message: "The Content-MD5 you specified was invalid." },
  // A batch sub-resource with the wrong method: unspecified; the general OSS code chosen.
  MethodNotAllowed: {
    code: "MethodNotAllowed",
    status: 405,
    ec: "0017-99990005",
    documented: false,
    message: "The specified method is not allowed against this resource.",
  },
  // `?batchJobX`, `?batchJobId` alone, or two sub-resources at once: unspecified.
  UnknownSubresource: { code: "InvalidRequest", status: 400, ec: "0017-99990006", documented: false },

  // ---------------------------------------------------------------- domain (core errors)
  // An unknown job: NoSuchJob is not documented for OSS (COS answers 404 NoSuchJob [ANALOG]); the
  // invalid-JobId EC [EC1002] is the one the docs give for a job id the service does not accept.
  JobNotFound: { code: "NoSuchJob", status: 404, ec: "0017-00001002", documented: true },
  // A refused status change: unspecified (COS: InvalidRequest 400 [ANALOG]).
  InvalidTransition: { code: "InvalidRequest", status: 400, ec: "0017-99990007", documented: false },
  ActionNotAllowed: { code: "InvalidRequest", status: 400, ec: "0017-99990008", documented: false },
  // A ClientRequestToken reused with another request: unspecified (COS: InvalidRequest [ANALOG]).
  IdempotencyConflict: { code: "InvalidRequest", status: 400, ec: "0017-99990009", documented: false },
  // OSS jobs carry no tags; kept for completeness of the table.
  TooManyTags: { code: "InvalidArgument", status: 400, ec: "0017-99990003", documented: false },
  // Writers kept colliding: transient; S3's OperationAborted 409, never a 5xx.
  ConcurrentUpdate: { code: "OperationAborted", status: 409, ec: "0017-99990010", documented: false },
  // The job store (PostgreSQL) is down or slow: OSS's general 503 code; EC unspecified.
  StoreUnavailable: {
    code: "ServiceUnavailable",
    status: 503,
    ec: "0017-99990014",
    documented: false,
    message: "The service is unavailable. Please try again later.",
  },

  // ---------------------------------------------------------------- transport
  bodyTooLarge: { code: "EntityTooLarge", status: 400, ec: "0017-99990011", documented: false, message: "Your proposed upload exceeds the maximum allowed size." },
  unreadableBody: { code: "IncompleteBody", status: 400, ec: "0017-99990012", documented: false, message: "The request body could not be read." },
  internal: { code: "InternalError", status: 500, ec: "0017-99990013", documented: false, message: "We encountered an internal error. Please try again." },
};

/** Core field names in the words of the OSS wire, for messages. */
const WIRE_NAMES: Record<string, string> = {
  nextToken: "continuation-token",
  maxResults: "max-keys",
  jobStatuses: "batchJobStatuses",
  priority: "Priority",
  description: "Description",
  clientRequestToken: "ClientRequestToken",
  requestedJobStatus: "requestedJobStatus",
  statusUpdateReason: "statusUpdateReason",
};

export interface ErrorContext {
  requestId: string;
  /** The Host the client used [ERR]. */
  hostId: string;
}

/** Finds the row and the detail for anything thrown while answering a request. */
export function describeError(error: unknown): { row: Row; detail?: string } {
  if (error instanceof OssWireError) return { row: TABLE[error.problem], detail: error.detail };
  if (error instanceof XmlSyntaxError) return { row: TABLE.XmlSyntax, detail: error.message };
  if (error instanceof XmlShapeError) {
    return { row: error.problem === "is required" ? TABLE.MissingArgument : TABLE.XmlShape, detail: error.message };
  }
  if (error instanceof InvalidArgumentError) {
    return { row: TABLE.InvalidArgument, detail: `${WIRE_NAMES[error.field] ?? error.field}: ${error.detail}` };
  }
  if (isDomainError(error)) return { row: TABLE[error.kind], detail: error.message };
  return { row: TABLE.internal };
}

export function transportError(problem: TransportProblem): { row: Row; detail?: string } {
  if (problem.kind === "bodyTooLarge") return { row: TABLE.bodyTooLarge, detail: `The body is larger than ${problem.limitBytes} bytes.` };
  if (problem.kind === "unreadableBody") return { row: TABLE.unreadableBody, detail: problem.message };
  return { row: TABLE.internal };
}

/** The OSS `<Error>` envelope [ERR], with `x-oss-ec` beside `x-oss-request-id`. */
export function errorResponse({ row, detail }: { row: Row; detail?: string }, ctx: ErrorContext): WireResponse {
  const message = [row.message, detail].filter((m) => m !== undefined && m !== "").join(" ");
  const body = toXml("Error", {
    Code: row.code,
    Message: message,
    RequestId: ctx.requestId,
    HostId: ctx.hostId,
    EC: row.ec,
    RecommendDoc: row.documented ? `https://api.aliyun.com/troubleshoot?q=${row.ec}` : undefined,
  });
  return {
    status: row.status,
    headers: { "content-type": "application/xml", "x-oss-request-id": ctx.requestId, "x-oss-ec": row.ec },
    body,
  };
}
