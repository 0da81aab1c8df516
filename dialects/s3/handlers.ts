import * as buckets from "./buckets.js";
import type { Handler } from "./context.js";
import * as multipart from "./multipart.js";
import * as objects from "./objects.js";
import type { S3Operation } from "./routes.js";
import * as sub from "./subresources.js";

/** Each operation's handler. */
export const HANDLERS: Record<S3Operation, Handler> = {
  ListBuckets: buckets.listBuckets,
  CreateBucket: buckets.createBucket,
  HeadBucket: buckets.headBucket,
  DeleteBucket: buckets.deleteBucket,
  GetBucketVersioning: buckets.getBucketVersioning,
  PutBucketVersioning: buckets.putBucketVersioning,
  GetBucketLocation: buckets.getBucketLocation,
  GetObjectLockConfiguration: buckets.getObjectLockConfiguration,
  GetBucketReplication: buckets.getBucketReplication,
  ListObjectsV2: buckets.listObjectsV2,
  ListObjects: buckets.listObjects,
  ListObjectVersions: buckets.listObjectVersions,
  DeleteObjects: objects.deleteObjects,
  PutObject: objects.putObject,
  CopyObject: objects.copyObject,
  GetObject: objects.getObject,
  HeadObject: objects.headObject,
  DeleteObject: objects.deleteObject,
  GetObjectTagging: sub.getObjectTagging,
  PutObjectTagging: sub.putObjectTagging,
  DeleteObjectTagging: sub.deleteObjectTagging,
  GetObjectAcl: sub.getObjectAcl,
  PutObjectAcl: sub.putObjectAcl,
  RestoreObject: sub.restoreObject,
  GetObjectLegalHold: sub.getObjectLegalHold,
  PutObjectLegalHold: sub.putObjectLegalHold,
  GetObjectRetention: sub.getObjectRetention,
  PutObjectRetention: sub.putObjectRetention,
  CreateMultipartUpload: multipart.createMultipartUpload,
  UploadPart: multipart.uploadPart,
  CompleteMultipartUpload: multipart.completeMultipartUpload_,
  AbortMultipartUpload: multipart.abortMultipartUpload,
};
