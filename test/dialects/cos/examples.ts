/**
 * The request bodies of the spec's examples, verbatim (tencent-cos.md §3.6: D-CJ and D-CJ0), and
 * builders for variations of them.
 */

/** D-CJ (newer CreateJob doc): CSV manifest, quoted ETag, copy with the uid/<appid> ARN form. */
export const CREATE_COPY_DCJ = `<CreateJobRequest>
  <ClientRequestToken>184ce261-18af-5e3d-3e30-253723cfd937</ClientRequestToken>
  <ConfirmationRequired>false</ConfirmationRequired>
  <Description>example-job</Description>
  <Manifest>
    <Location><ETag>"15150651828fa9cdcb8356b6d1c7638b"</ETag>
      <ObjectArn>qcs::cos:ap-chengdu::sourcebucket-1250000000/manifests/batch-copy-manifest.csv</ObjectArn></Location>
    <Spec><Fields><member>Bucket</member><member>Key</member></Fields><Format>COSBatchOperations_CSV_V1</Format></Spec>
  </Manifest>
  <Operation><COSPutObjectCopy><TargetResource>qcs::cos:ap-chengdu:uid/1250000000:destinationbucket-1250000000</TargetResource></COSPutObjectCopy></Operation>
  <Priority>10</Priority>
  <Report><Bucket>qcs::cos:ap-chengdu::sourcebucket-1250000000</Bucket><Enabled>true</Enabled>
    <Format>Report_CSV_V1</Format><Prefix>job-result</Prefix><ReportScope>AllTasks</ReportScope></Report>
  <RoleArn>qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole</RoleArn>
</CreateJobRequest>`;

/** D-CJ0 (older CreateJob doc): inventory manifest, unquoted ETag, copy with directive and class. */
export const CREATE_INVENTORY_DCJ0 = `<?xml version="1.0" encoding="UTF-8"?>
<CreateJobRequest>
  <ClientRequestToken>1dbd4bb6-d8dc-4ea2-8d2f-0ea7b1c5a1e6</ClientRequestToken>
  <ConfirmationRequired>true</ConfirmationRequired>
  <Manifest>
    <Location><ETag>ec75a30f3af000e9b31d62bed75cbcad</ETag><ObjectArn>qcs::cos:ap-chengdu::manifest-1250000000/1250000000/source/manifest/20190715/manifest.json</ObjectArn></Location>
    <Spec><Format>COSInventoryReport_CSV_V1</Format></Spec>
  </Manifest>
  <Operation><COSPutObjectCopy><MetadataDirective>Copy</MetadataDirective><StorageClass>STANDARD</StorageClass><TargetResource>qcs::cos:ap-chengdu::target-1250000000</TargetResource></COSPutObjectCopy></Operation>
  <Priority>10</Priority>
  <Report><Bucket>qcs::cos:ap-beijing::result-1250000000</Bucket><Enabled>true</Enabled><Format>Report_CSV_V1</Format><ReportScope>FailedTasksOnly</ReportScope></Report>
  <RoleArn>qcs::cam::uin/100000000001:roleName/examplerole</RoleArn>
</CreateJobRequest>`;

/** Every COSPutObjectCopy element D-CE and the Go SDK define, in Go's order. */
export const COPY_EVERYTHING = `<COSPutObjectCopy>
  <AccessControlDirective>Replaced</AccessControlDirective>
  <AccessControlGrants><COSGrant><Grantee><DisplayName>alice</DisplayName><Identifier>qcs::cam::uin/100000000001:uin/100000000001</Identifier><TypeIdentifier>ID</TypeIdentifier></Grantee><Permission>READ</Permission></COSGrant><COSGrant><Grantee><Identifier>qcs::cam::uin/100000000002:uin/100000000002</Identifier><TypeIdentifier>ID</TypeIdentifier></Grantee><Permission>FULL_CONTROL</Permission></COSGrant></AccessControlGrants>
  <CannedAccessControlList>public-read</CannedAccessControlList>
  <PrefixReplace>true</PrefixReplace>
  <ResourcesPrefix>pic</ResourcesPrefix>
  <TargetKeyPrefix>abc</TargetKeyPrefix>
  <MetadataDirective>Replaced</MetadataDirective>
  <ModifiedSinceConstraint>1576778400</ModifiedSinceConstraint>
  <UnModifiedSinceConstraint>2019-12-20T00:00:00Z</UnModifiedSinceConstraint>
  <NewObjectMetadata><CacheControl>max-age=600</CacheControl><ContentDisposition>attachment</ContentDisposition><ContentEncoding>gzip</ContentEncoding><ContentType>text/plain</ContentType><HttpExpiresDate>Thu, 19 Dec 2030 18:00:29 GMT</HttpExpiresDate><SSEAlgorithm>AES256</SSEAlgorithm><UserMetadata><member><Key>x-cos-meta-a</Key><Value>1</Value></member><member><Key>x-cos-meta-b</Key><Value>2</Value></member></UserMetadata></NewObjectMetadata>
  <TaggingDirective>Add</TaggingDirective>
  <NewObjectTagging><COSTag><Key>team</Key><Value>blue</Value></COSTag></NewObjectTagging>
  <StorageClass>STANDARD_IA</StorageClass>
  <TargetResource>qcs::cos:ap-beijing::result-1250000000</TargetResource>
</COSPutObjectCopy>`;

export const RESTORE = "<COSInitiateRestoreObject><ExpirationInDays>3</ExpirationInDays><JobTier>Bulk</JobTier></COSInitiateRestoreObject>";
export const TAGGING = "<COSPutObjectTagging><TaggingDirective>Replaced</TaggingDirective><TagSet><COSTag><Key>k1</Key><Value>v1</Value></COSTag><COSTag><Key>k2</Key><Value></Value></COSTag></TagSet></COSPutObjectTagging>";
export const DELETE = "<COSDeleteObject></COSDeleteObject>";

/** D-CJ's request with another operation, token or any element replaced. */
export function createBody(options: { operation?: string; token?: string; replace?: [RegExp | string, string][] } = {}): string {
  let body = CREATE_COPY_DCJ;
  if (options.operation !== undefined) body = body.replace(/<Operation>[\s\S]*<\/Operation>/, `<Operation>${options.operation}</Operation>`);
  if (options.token !== undefined) body = body.replace(/<ClientRequestToken>[^<]*</, `<ClientRequestToken>${options.token}<`);
  for (const [from, to] of options.replace ?? []) {
    if (typeof from === "string" ? !body.includes(from) : !from.test(body)) throw new Error(`createBody: ${String(from)} matched nothing`);
    body = body.replace(from, to);
  }
  return body;
}
