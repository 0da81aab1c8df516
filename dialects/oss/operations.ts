import type { Operation, OperationOf, Tag } from "../../src/core/index.js";
import { checked, OssWireError } from "./errors.js";
import { tagSetSchema } from "./schemas.js";
import type { WireOperation, WireOperationOut } from "./shapes.js";

/**
 * The five operations a job may apply [S-CJ], one row each: the element name under
 * `Operation`, how its wire value (read through shapes.ts) becomes the core's operation, and how
 * the core's operation is written back (DescribeJob's Operation container; ListJobs names the
 * element only).
 */
type Element = keyof WireOperation;
interface OperationCodec<T extends Operation["type"], E extends Element> {
  element: E;
  decode(wire: NonNullable<WireOperation[E]>, path: string): OperationOf<T>;
  encode(op: OperationOf<T>): NonNullable<WireOperationOut[E]>;
}

type Table = {
  putTagging: OperationCodec<"putTagging", "PutObjectTagging">;
  addTagging: OperationCodec<"addTagging", "AddObjectTagging">;
  deleteTagging: OperationCodec<"deleteTagging", "DeleteObjectTagging">;
  putAcl: OperationCodec<"putAcl", "PutObjectAcl">;
  restore: OperationCodec<"restore", "RestoreObject">;
};

export const OPERATIONS: Table = {
  putTagging: {
    element: "PutObjectTagging",
    decode: (w, path) => ({ type: "putTagging", tags: readTagSet(w.TagSet, path) }),
    encode: (op) => ({ TagSet: writeTags(op.tags) }),
  },
  addTagging: {
    element: "AddObjectTagging",
    decode: (w, path) => ({ type: "addTagging", tags: readTagSet(w.TagSet, path) }),
    encode: (op) => ({ TagSet: writeTags(op.tags) }),
  },
  // "An empty node" [S-CJ]: Go sends <DeleteObjectTagging></DeleteObjectTagging>, the docs
  // put whitespace inside, others self-close; all three are the same.
  deleteTagging: { element: "DeleteObjectTagging", decode: () => ({ type: "deleteTagging" }), encode: () => ({}) },
  putAcl: {
    element: "PutObjectAcl",
    decode: (w) => ({ type: "putAcl", cannedAcl: w.ObjectAcl as OperationOf<"putAcl">["cannedAcl"] }),
    encode: (op) => ({ ObjectAcl: op.cannedAcl as string }),
  },
  restore: {
    element: "RestoreObject",
    decode: (w) => ({ type: "restore", ...(w.Days !== undefined && { days: w.Days }), ...(w.Tier !== undefined && { tier: w.Tier }) }),
    encode: (op) => ({ Days: op.days === undefined ? undefined : String(op.days), Tier: op.tier as "Standard" | "Bulk" | undefined }),
  },
};

type AnyCodec = OperationCodec<Operation["type"], Element>;
const CODECS = Object.values(OPERATIONS) as unknown as AnyCodec[];

/** `Operation` holds exactly one of the five [S-CJ, U-CJ]; the shape has refused any other element. */
export function decodeOperation(wire: WireOperation, path: string): Operation {
  const given = CODECS.filter((c) => wire[c.element] !== undefined);
  if (given.length !== 1) {
    const detail = `${path}: must hold exactly one of ${CODECS.map((c) => c.element).join(", ")}; found ${given.length}`;
    throw new OssWireError(given.length === 0 ? "MissingArgument" : "MalformedXML", detail);
  }
  const codec = given[0]!;
  return codec.decode(wire[codec.element] as never, `${path}/${codec.element}`);
}

function codecOf(op: Pick<Operation, "type">): AnyCodec {
  const codec = (OPERATIONS as unknown as Partial<Record<Operation["type"], AnyCodec>>)[op.type];
  if (!codec) throw new Error(`OSS has no wire form for the ${op.type} operation`);
  return codec;
}

/** DescribeJob's `Operation` container. */
export function encodeOperation(op: Operation): WireOperationOut {
  const codec = codecOf(op);
  return { [codec.element]: codec.encode(op) };
}

/** ListJobs' `Operation`: the element name alone [GO-T, JV]. */
export function operationName(op: Pick<Operation, "type">): string {
  return codecOf(op).element;
}

/** Tag limits are checked on the set, as the core names them [TAG]. */
function readTagSet(tags: { Key: string; Value: string }[], path: string): Tag[] {
  return checked(tagSetSchema, tags.map((t) => ({ key: t.Key, value: t.Value })), `${path}/TagSet`);
}

function writeTags(tags: Tag[]): { Key: string; Value: string }[] {
  return tags.map((t) => ({ Key: t.key, Value: t.value }));
}
