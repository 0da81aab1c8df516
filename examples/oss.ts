/**
 * Alibaba Cloud OSS Batch Operations, emulated: the five APIs on a fetch handler, driven with
 * the requests the OSS documentation shows. Run with `npx tsx examples/oss.ts`.
 */
import { ossDialect } from "../dialects/oss/index.js";
import { JobService, MemoryJobStore } from "../src/index.js";
import { createFetchHandler } from "../src/server/index.js";

const oss = createFetchHandler({ jobs: new JobService({ store: new MemoryJobStore() }), dialects: [ossDialect()] });

// Signatures are not verified (yet): the AccessKeyId names the account, the Host the region.
const call = async (method: string, target: string, body?: string) => {
  const res = await oss(
    new Request(`http://oss-cn-hangzhou.aliyuncs.com${target}`, {
      method,
      body,
      headers: { authorization: "OSS LTAI4Fw2Nb3o4f5a3a1f****:signature", "content-type": "application/xml" },
    }),
  );
  const text = await res.text();
  console.log(`${method} ${target}\n  ${res.status} ${text}\n`);
  return text;
};

const created = await call(
  "POST",
  "/?batchJob",
  `<CreateJobRequest>
     <ConfirmationRequired>true</ConfirmationRequired>
     <Operation><PutObjectTagging><TagSet><Tag><Key>Environment</Key><Value>Production</Value></Tag></TagSet></PutObjectTagging></Operation>
     <Report><Bucket>report-bucket</Bucket><Enabled>true</Enabled><Prefix>batch-reports/</Prefix><ReportScope>AllTasks</ReportScope></Report>
     <ClientRequestToken>unique-token-123</ClientRequestToken>
     <Manifest>
       <Location><Bucket>manifest-bucket</Bucket><Object>manifest.csv</Object></Location>
       <Spec><Fields>Bucket,Key</Fields><Format>OSS_BatchOperations_CSV_20250611</Format></Spec>
     </Manifest>
     <Priority>10</Priority>
     <RoleArn>acs:ram::1234567890:role/BatchOperationRole</RoleArn>
   </CreateJobRequest>`,
);
const id = /<JobId>([^<]+)<\/JobId>/.exec(created)![1]!;

await call("GET", `/?batchJob&batchJobId=${encodeURIComponent(id)}`);
await call("GET", "/?batchJob&batchJobStatuses=New%20%7C%20Suspended&max-keys=10");
await call("POST", `/?batchJobPriority&batchJobId=${id}&targetPriority=20`);
await call("POST", `/?batchJobStatus&batchJobId=${id}&requestedJobStatus=Cancelled&statusUpdateReason=User%20requested%20cancellation`);
await call("POST", `/?batchJobStatus&batchJobId=${id}&requestedJobStatus=Ready`);
