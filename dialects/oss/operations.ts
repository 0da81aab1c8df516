import type { Operation, OperationOf, Tag } from "../../src/core/index.js";
import type { XmlNode } from "../xml/index.js";
import { OssWireError } from "./errors.js";
import { checked, leafText, only, requiredChild, requiredText } from "./read.js";
import type { WireOperation } from "./shapes.js";
import { objectAclSchema, restoreDaysSchema, restoreTierSchema, tagSetSchema } from "./schemas.js";

/**
 * The five operations a job may apply [S-CJ], one row each: the element name under
 * `Operation`, how it reads into the core's operation, and how the core's operation is written
 * back (DescribeJob's Operation container; ListJobs names the element only).
 */
interface OperationCodec<T extends Operation["type"]> {
  element: string;
  decode(node: XmlNode): OperationOf<T>;
  /** The element's content, in the shape of shapes.ts. */
  encode(op: OperationOf<T>): object;
}

type Table = { [T in "putTagging" | "addTagging" | "deleteTagging" | "putAcl" | "restore"]: OperationCodec<T> };

export const OPERATIONS: Table = {
  putTagging: {
    element: "PutObjectTagging",
    decode: (n) => ({ type: "putTagging", tags: readTagSet(n) }),
    encode: (op) => ({ TagSet: writeTags(op.tags) }),
  },
  addTagging: {
    element: "AddObjectTagging",
    decode: (n) => ({ type: "addTagging", tags: readTagSet(n) }),
    encode: (op) => ({ TagSet: writeTags(op.tags) }),
  },
  deleteTagging: {
    // "An empty node" [S-CJ]: Go sends <DeleteObjectTagging></DeleteObjectTagging>, the docs
    // put whitespace inside, others self-close; all three are the same.
    element: "DeleteObjectTagging",
    decode: (n) => {
      only(n, []);
      return { type: "deleteTagging" };
    },
    encode: () => ({}),
  },
  putAcl: {
    element: "PutObjectAcl",
    decode: (n) => {
      only(n, ["ObjectAcl"]);
      return { type: "putAcl", cannedAcl: checked(objectAclSchema, requiredText(n, "ObjectAcl"), `${n.path}/ObjectAcl`) };
    },
    encode: (op) => ({ ObjectAcl: op.cannedAcl }),
  },
  restore: {
    element: "RestoreObject",
    decode: (n) => {
      only(n, ["Days", "Tier"]);
      const days = n.child("Days");
      const tier = n.child("Tier");
      return {
        type: "restore",
        ...(days && { days: checked(restoreDaysSchema, leafText(days), days.path) }),
        ...(tier && { tier: checked(restoreTierSchema, leafText(tier), tier.path) }),
      };
    },
    encode: (op) => ({ Days: op.days, Tier: op.tier }),
  },
};

const BY_ELEMENT = new Map(Object.values(OPERATIONS).map((c) => [c.element, c as OperationCodec<Operation["type"]>]));

/** `Operation` holds exactly one of the five [S-CJ, U-CJ]. */
export function decodeOperation(container: XmlNode): Operation {
  only(container, [...BY_ELEMENT.keys()]);
  const names = container.childNames();
  if (names.length !== 1) {
    const detail = `${container.path}: must hold exactly one of ${[...BY_ELEMENT.keys()].join(", ")}; found ${names.length}`;
    throw new OssWireError(names.length === 0 ? "MissingArgument" : "MalformedXML", detail);
  }
  return BY_ELEMENT.get(names[0]!)!.decode(container.require(names[0]!));
}

function codecOf(op: Operation): OperationCodec<Operation["type"]> {
  const codec = (OPERATIONS as Partial<Record<Operation["type"], OperationCodec<Operation["type"]>>>)[op.type];
  if (!codec) throw new Error(`OSS has no wire form for the ${op.type} operation`);
  return codec;
}

/** DescribeJob's `Operation` container. */
export function encodeOperation(op: Operation): WireOperation {
  const codec = codecOf(op);
  return { [codec.element]: codec.encode(op) };
}

/** ListJobs' `Operation`: the element name alone [GO-T, JV]. */
export function operationName(op: Operation): string {
  return codecOf(op).element;
}

function readTagSet(node: XmlNode): Tag[] {
  only(node, ["TagSet"]);
  const set = requiredChild(node, "TagSet");
  only(set, ["Tag"]);
  const tags = set.all("Tag").map((t) => {
    only(t, ["Key", "Value"]);
    return { key: leafText(requiredChild(t, "Key"), true), value: leafText(requiredChild(t, "Value"), true) };
  });
  return checked(tagSetSchema, tags, set.path);
}

function writeTags(tags: Tag[]): { Key: string; Value: string }[] {
  return tags.map((t) => ({ Key: t.key, Value: t.value }));
}
