/**
 * The Tencent Cloud COS batch API on your machine, driven by the official COS Node SDK.
 * Run with `npx tsx examples/cos-sdk.ts`.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import COS from "cos-nodejs-sdk-v5";
import { cosDialect } from "../dialects/cos/index.js";
import { JobService, MemoryJobStore } from "../src/index.js";
import { createNodeHandler } from "../src/server/index.js";

const jobs = new JobService({ store: new MemoryJobStore() });
const server = createServer(createNodeHandler({ jobs, dialects: [cosDialect()] }));
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const { port } = server.address() as AddressInfo;

// The SDK signs for the cos-control host; `Ip` sends the requests to the local server instead.
const cos = new COS({ SecretId: "AKIDexample", SecretKey: "example", Ip: `127.0.0.1:${port}` });
const control = "http://100000000001.cos-control.ap-guangzhou.myqcloud.com";
const appid = { "x-cos-appid": "1250000000" };

const created = await cos.request({
  Method: "POST",
  Url: `${control}/jobs`,
  Headers: appid,
  Body: `<CreateJobRequest>
    <ClientRequestToken>example-1</ClientRequestToken>
    <ConfirmationRequired>true</ConfirmationRequired>
    <Description>tag the photos</Description>
    <Manifest>
      <Location><ETag>"15150651828fa9cdcb8356b6d1c7638b"</ETag><ObjectArn>qcs::cos:ap-guangzhou::photos-1250000000/manifest.csv</ObjectArn></Location>
      <Spec><Fields><member>Bucket</member><member>Key</member></Fields><Format>COSBatchOperations_CSV_V1</Format></Spec>
    </Manifest>
    <Operation><COSPutObjectTagging><TagSet><COSTag><Key>reviewed</Key><Value>yes</Value></COSTag></TagSet></COSPutObjectTagging></Operation>
    <Priority>10</Priority>
    <Report><Bucket>qcs::cos:ap-guangzhou::reports-1250000000</Bucket><Enabled>true</Enabled><Format>Report_CSV_V1</Format><ReportScope>AllTasks</ReportScope></Report>
    <RoleArn>qcs::cam::uin/100000000001:roleName/COS_Batch_QcsRole</RoleArn>
  </CreateJobRequest>`,
});
const jobId: string = created.CreateJobResult.JobId;
console.log("created", jobId, "request id", created.RequestId);

const described = await cos.request({ Method: "GET", Url: `${control}/jobs/${jobId}`, Headers: appid });
console.log("status", described.DescribeJobResult.Job.Status, "operation", Object.keys(described.DescribeJobResult.Job.Operation));

await cos.request({ Method: "POST", Url: `${control}/jobs/${jobId}/priority`, Query: { priority: "50" }, Headers: appid });
const listed = await cos.request({ Method: "GET", Url: `${control}/jobs`, Query: { maxResults: "10" }, Headers: appid });
console.log("listed", listed.ListJobsResult.Jobs.member);

const cancelled = await cos.request({
  Method: "POST",
  Url: `${control}/jobs/${jobId}/status`,
  Query: { requestedJobStatus: "Cancelled", statusUpdateReason: "just trying" },
  Headers: appid,
});
console.log("cancelled", cancelled.UpdateJobStatusResult);

try {
  await cos.request({ Method: "POST", Url: `${control}/jobs/${jobId}/status`, Query: { requestedJobStatus: "Ready" }, Headers: appid });
} catch (e) {
  const err = e as { statusCode: number; code: string; message: string };
  console.log("refused", err.statusCode, err.code, err.message);
}

server.close();
