import type { FunctionInvocation } from "../ports.js";
import { failed, succeeded, type Executor } from "./types.js";

export const FUNCTION_INVOKER_NOT_CONFIGURED = "FunctionInvokerNotConfigured";

/**
 * Hands each object to a function through the FunctionInvoker port, with the result contract of
 * S3's LambdaInvoke (spec §6.13): Succeeded puts resultString in the report, TemporaryFailure is
 * tried again with backoff before the task fails, PermanentFailure fails the task. The object's key
 * is given decoded; an invoker that builds a provider's event encodes it as that provider does.
 */
export const invokeFunction: Executor<"invokeFunction"> = async (task, op, { functions, jobId, retryWhile }) => {
  if (!functions) {
    return failed(
      FUNCTION_INVOKER_NOT_CONFIGURED,
      501,
      `No FunctionInvoker is configured in this engine, so function ${op.functionId} cannot be invoked`,
    );
  }
  const call: FunctionInvocation = {
    functionId: op.functionId,
    jobId,
    taskId: String(task.ordinal),
    object: task.versionId === undefined ? { bucket: task.bucket, key: task.key } : { bucket: task.bucket, key: task.key, versionId: task.versionId },
  };
  if (op.schemaVersion !== undefined) call.schemaVersion = op.schemaVersion;
  if (op.userArguments !== undefined) call.userArguments = op.userArguments;
  let result;
  try {
    result = await retryWhile(() => functions.invoke(call), (r) => r.resultCode === "TemporaryFailure");
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return failed("FunctionInvocationFailed", 500, `Invoking function ${op.functionId} failed: ${message}`);
  }
  // AWS's sample report rows carry HTTP 200 for a function's own failure: the invocation worked.
  if (result.resultCode === "Succeeded") return succeeded(result.resultString ?? "");
  return failed(result.resultCode, 200, result.resultString ?? `The function returned ${result.resultCode}`);
};
