import { CHECKSUMS } from "./checksums.js";
import { failed, succeeded, type Executor } from "./types.js";

export const UNSUPPORTED_CHECKSUM_ALGORITHM = "UnsupportedChecksumAlgorithm";

/**
 * Reads each object and computes its checksum; the report's ResultMessage carries it, base64 of
 * the digest's bytes as S3 spells checksums. The message's exact shape is unspecified by the
 * providers: a JSON object naming algorithm, type and value. Objects are stored whole here, so a
 * COMPOSITE checksum (of parts' checksums) equals the FULL_OBJECT one of a single-part object.
 */
export const computeChecksum: Executor<"computeChecksum"> = async (task, op, { objects }) => {
  const make = CHECKSUMS[op.algorithm];
  if (!make) {
    return failed(UNSUPPORTED_CHECKSUM_ALGORITHM, 400, `The checksum algorithm ${op.algorithm} is not supported by this engine`);
  }
  const { body } = await objects.get(task);
  const checksum = make();
  for await (const chunk of body) checksum.update(chunk);
  const value = Buffer.from(checksum.digest()).toString("base64");
  return succeeded(
    JSON.stringify({ checksumAlgorithm: op.algorithm, checksumType: op.checksumType ?? "FULL_OBJECT", checksum: value }),
  );
};
