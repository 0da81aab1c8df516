import { resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The root export (`import { ... } from "batchplane"`) is what a user needs: what the README
 * documents and the examples use. Everything else stays internal or behind its subpath
 * (`batchplane/http`, `batchplane/testing`, the dialects'). This pins the list, values and types,
 * so that a new name in src/index.ts is a decision taken here too.
 */
const ROOT = resolve(__dirname, "..");

/** Every name a module exports, split by whether it exists at run time. */
function exportsOf(file: string): { values: string[]; types: string[] } {
  const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  const values: string[] = [];
  const types: string[] = [];
  for (const name of checker.getExportsOfModule(symbol)) {
    const target = name.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(name) : name;
    (target.flags & ts.SymbolFlags.Value ? values : types).push(name.name);
  }
  const byName = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase());
  return { values: values.sort(byName), types: types.sort(byName) };
}

const VALUES = [
    "ActionNotAllowedError", "bodyToBytes", "ConcurrentUpdateError", "cosDialect", "createFetchHandler",
    "createNodeHandler", "decodeKey", "defaultDialects", "DomainError", "encodeKey", "Engine", "FsJobStore",
    "FsObjectStore", "FsWorkLeases", "IdempotencyConflictError", "InvalidArgumentError",
    "InvalidTransitionError", "isDomainError", "isObjectStoreError", "isTerminal", "JOB_STATUSES",
    "JobNotFoundError", "JobService", "loadCredentials", "localEndpointConfig", "MemoryJobStore",
    "MemoryObjectStore", "MemoryWorkLeases", "ObjectStoreError", "ossDialect", "PgDatabase",
    "PostgresJobStore", "PostgresWorkLeases", "randomIds", "s3ControlDialect", "S3ObjectStore", "serve",
    "StoreUnavailableError", "systemClock", "TooManyTagsError", "uniqueOwner",
];

const TYPES = [
    "AccessLogEntry", "Body", "BucketOptions", "ClaimRequest", "Clock", "CopyObjectRequest",
    "CosDialectOptions", "CreateJobInput", "CreateJobResult", "Credential", "CredentialsPort", "Dialect",
    "DomainErrorKind", "EngineEvent", "EngineOptions", "FailureReason", "FetchHandler", "FsJobStoreOptions",
    "FsObjectStoreOptions", "FsWorkLeasesOptions", "FunctionInvocation", "FunctionInvoker", "FunctionResult",
    "Grant", "HandlerOptions", "IdSource", "InsertResult", "Job", "JobChange", "JobListener", "JobListing", "JobListQuery",
    "JobServiceOptions", "JobStatus", "JobStore", "ListJobsRequest", "ListJobsResult", "ListObjectsPage",
    "ListObjectsRequest", "LocalEndpointConfig", "LocalEndpointOptions", "Manifest", "ManifestGenerator",
    "MemoryObjectStoreOptions", "NodeHandler", "ObjectAcl", "ObjectInfo", "ObjectMetadata", "ObjectRef",
    "ObjectStore", "ObjectStoreErrorCode", "Operation", "OperationType", "OssDialectOptions", "Owner",
    "PgPool", "PostgresConnectionOptions", "PostgresJobStoreOptions", "PostgresWorkLeasesOptions", "Progress",
    "PutObjectRequest", "ReportConfig", "RequestedStatus", "RestoreRequest", "Retention", "RetryOptions",
    "RunningServer", "S3ControlDialectOptions", "S3ObjectStoreOptions", "ServeOptions", "Tag", "Tenant",
    "TimerHandle", "UnitStep", "WorkLease", "WorkLeaseStore", "WorkSummary", "WorkUnitRange",
];

describe("the root export", () => {
  it("is the pinned list: values and types", () => {
    const { values, types } = exportsOf(resolve(ROOT, "src/index.ts"));
    expect(values).toEqual(VALUES);
    expect(types).toEqual(TYPES);
  }, 60_000);

  it("gives at run time exactly its pinned values", async () => {
    const root = await import("../src/index.js");
    expect(Object.keys(root).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))).toEqual(VALUES);
  });

  it("leaves the test helpers to batchplane/testing", async () => {
    const testing = await import("../src/testing/index.js");
    for (const name of ["ManualClock", "SequentialIds", "createTestBed", "createSdkHandler", "FaultInjectingStore", "readReport"]) {
      expect(testing, name).toHaveProperty(name);
    }
    const root: Record<string, unknown> = await import("../src/index.js");
    expect(root.ManualClock).toBeUndefined();
    expect(root.createTestBed).toBeUndefined();
  });
});
