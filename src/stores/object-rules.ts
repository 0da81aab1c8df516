import { ObjectStoreError, type ObjectRef } from "../core/ports.js";

/**
 * Object-storage rules that every store written here shares, with the codes, statuses and
 * messages S3 (and the OSS and COS S3-compatible APIs) answer with.
 */

/** Storage classes whose objects must be restored before they can be read (all three providers' names). */
export const ARCHIVED_STORAGE_CLASSES: ReadonlySet<string> = new Set([
  "GLACIER",
  "DEEP_ARCHIVE",
  "Archive",
  "ColdArchive",
  "DeepColdArchive",
  "ARCHIVE",
]);

export const MAX_OBJECT_TAGS = 10;

/** S3's limit on a key's length, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

const err = (code: string, status: number, message: string) => new ObjectStoreError(code, status, message);

export const objectErrors = {
  noSuchBucket: (bucket: string) => err("NoSuchBucket", 404, `The specified bucket does not exist: ${bucket}`),
  noSuchKey: (ref: ObjectRef) => err("NoSuchKey", 404, `The specified key does not exist: ${ref.key}`),
  noSuchVersion: (ref: ObjectRef) =>
    err("NoSuchVersion", 404, `The specified version does not exist: ${ref.key} version ${ref.versionId ?? ""}`),
  methodNotAllowed: () => err("MethodNotAllowed", 405, "The specified method is not allowed against a delete marker"),
  archived: (storageClass: string) =>
    err("InvalidObjectState", 403, `The operation is not valid for the object's storage class (${storageClass}); restore it first`),
  notArchived: (storageClass: string) =>
    err("InvalidObjectState", 403, `Restore is not allowed for the object's current storage class (${storageClass})`),
  restoreInProgress: () => err("RestoreAlreadyInProgress", 409, "Object restore is already in progress"),
  preconditionFailed: (which: string) => err("PreconditionFailed", 412, `At least one of the pre-conditions you specified did not hold (${which})`),
  copyToItself: () =>
    err(
      "InvalidRequest",
      400,
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    ),
  tooManyTags: () => err("InvalidTag", 400, `Object tags cannot be greater than ${MAX_OBJECT_TAGS}`),
  duplicateTagKeys: () => err("InvalidTag", 400, "Cannot provide multiple Tags with the same key"),
  noObjectLock: (bucket: string) => err("InvalidRequest", 400, `Bucket is missing Object Lock Configuration: ${bucket}`),
  locked: (what: string) => err("AccessDenied", 403, `Access Denied because object protected by ${what}`),
  retentionLocked: (mode: string) =>
    err("AccessDenied", 403, `Access Denied because object protected by object lock (${mode} retention cannot be shortened or removed)`),
  badRetention: () => err("MalformedXML", 400, "A retention needs both a mode and a retain-until date"),
  retentionInPast: () => err("InvalidArgument", 400, "The retain until date must be in the future"),
  keyTooLong: () => err("KeyTooLongError", 400, `Your key is too long (the limit is ${MAX_KEY_BYTES} bytes of UTF-8)`),
  unsafeKey: (key: string, why: string) => err("InvalidArgument", 400, `Object key ${JSON.stringify(key)} is refused: ${why}`),
  bucketNotDirectory: (bucket: string) =>
    err("InvalidBucketState", 409, `The bucket ${bucket} cannot be made: its name is taken by something that is not a directory (a symbolic link is never followed)`),
  bucketNotEmpty: (bucket: string) => err("BucketNotEmpty", 409, `The bucket you tried to delete is not empty: ${bucket}`),
  lockedVersioning: (bucket: string) =>
    err("InvalidBucketState", 409, `An Object Lock configuration is present on this bucket, so the versioning state cannot be changed: ${bucket}`),
  invalidBucketName: (bucket: string) => err("InvalidBucketName", 400, `The specified bucket is not valid: ${JSON.stringify(bucket)}`),
};
