/**
 * Request and response fixtures of the Go SDK v2 batch-operations tests, byte-for-byte:
 * aliyun/alibabacloud-oss-go-sdk-v2 @ 01cd4023b43081e43f1a68380b85a3ca68de0a83,
 * oss/client_mock_batch_operations_test.go (GO-M: the exact URLs, query sorted, and bodies the SDK
 * sends) and oss/api_op_batch_operations_test.go (GO-T: responses that look like live captures).
 * No Node SDK has these APIs (spec §15), so these fixtures stand in for a real client.
 */

/** GO-M CreateJob, prefix generator (the SDK input sets no ClientRequestToken). */
export const GO_M_CREATE_PREFIX =
  "<CreateJobRequest><Operation><DeleteObjectTagging></DeleteObjectTagging></Operation><Report><Bucket>bucket</Bucket><Enabled>true</Enabled><Prefix>batch-reports/</Prefix><ReportScope>AllTasks</ReportScope></Report><KeyPrefixManifestGenerator><SourceBucket>bucket</SourceBucket><Prefix>batch-manifests/</Prefix></KeyPrefixManifestGenerator><Priority>10</Priority><RoleArn>acs:ram::1234567890:role/oss-sdk-batch-test</RoleArn></CreateJobRequest>";

/** GO-M CreateJob, CSV manifest (the SDK input sets no Report). */
export const GO_M_CREATE_MANIFEST =
  "<CreateJobRequest><Operation><PutObjectTagging><TagSet><Tag><Key>key1</Key><Value>value1</Value></Tag></TagSet></PutObjectTagging></Operation><ClientRequestToken>unique-token-123</ClientRequestToken><Manifest><Location><ETag>d41d8cd98f00b204e9800998ecf8427e</ETag><Bucket>manifest-bucket</Bucket><Object>manifest.csv</Object></Location><Spec><Fields>Bucket,Key</Fields><Format>OSS_BatchOperations_CSV_20250611</Format></Spec></Manifest><Description>批量设置对象标签任务</Description><Priority>10</Priority><RoleArn>acs:ram::1234567890:role/oss-sdk-batch-test</RoleArn></CreateJobRequest>";

/** GO-M URLs (query sorted by the mock's sortQuery; Go's own order is a map's). */
export const GO_M_URLS = {
  createJob: "/?batchJob",
  describeJob: "/?batchJob&batchJobId=test-batch-job-id",
  listJobs: "/?batchJob",
  listJobsFiltered: "/?batchJob&batchJobStatuses=Active+%7C+Cancelled+%7C+Cancelling&continuation-token=token&max-keys=100",
  updateJobPriority: "/?batchJobId=test-batch-job-id&batchJobPriority&targetPriority=20",
  updateJobStatus: "/?batchJobId=test-batch-job-id&batchJobStatus&requestedJobStatus=Cancelled&statusUpdateReason=User+requested+cancellation",
  updateJobStatusNoReason: "/?batchJobId=test-batch-job-id&batchJobStatus&requestedJobStatus=Cancelled",
};

/** Go sends these on every operation, GETs included [GO-SIG]; MD5 of the empty body. */
export const GO_HEADERS = { "content-type": "application/xml", "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" };

/** GO-T DescribeJob response. */
export const GO_T_DESCRIBE = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeJobResult>
  <Job>
    <ConfirmationRequired>false</ConfirmationRequired>
    <CreationTime>1749983400</CreationTime>
    <JobId>MzRjZGU2NGQ3YTY5NGRhMTkxZmZhYzY5OTM5YTcxYWU=</JobId>
    <Operation>
      <RestoreObject>
        <Days>7</Days>
        <Tier>Standard</Tier>
      </RestoreObject>
    </Operation>
    <Report>
      <Bucket>report-bucket</Bucket>
      <Enabled>true</Enabled>
      <Prefix>reports/</Prefix>
      <ReportScope>AllTasks</ReportScope>
    </Report>
    <Manifest>
      <Location>
        <ETag>d41d8cd98f00b204e9800998ecf8427e</ETag>
        <Bucket>manifest-bucket</Bucket>
        <Object>manifest.csv</Object>
        <VersionId>3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo</VersionId>
      </Location>
      <Spec>
        <Fields>Bucket,Key</Fields>
        <Format>OSS_BatchOperations_CSV_20250611</Format>
      </Spec>
    </Manifest>
    <Description>批量恢复归档对象任务</Description>
    <Priority>10</Priority>
    <RoleArn>arn:acs:ram::uid:role/BatchOperationRole</RoleArn>
    <StatusUpdateReason>Task completed successfully</StatusUpdateReason>
    <ProgressSummary>
      <NumberOfTasksFailed>0</NumberOfTasksFailed>
      <NumberOfTasksSucceeded>1000</NumberOfTasksSucceeded>
      <Timers>
        <ElapsedTimeInActiveSeconds>3600</ElapsedTimeInActiveSeconds>
      </Timers>
      <TotalNumberOfTasks>1000</TotalNumberOfTasks>
    </ProgressSummary>
    <Status>Complete</Status>
    <TerminationDate>1749987000</TerminationDate>
  </Job>
</DescribeJobResult>`;

/** GO-T DescribeJob response of a failed prefix job (a fragment: only these elements). */
export const GO_T_DESCRIBE_FAILED = `<DescribeJobResult>
			  <Job>
				<JobId>testJob123</JobId>
				<Status>Failed</Status>
				<KeyPrefixManifestGenerator>
				  <SourceBucket>source-bucket</SourceBucket>
				  <Prefix>data/</Prefix>
				</KeyPrefixManifestGenerator>
				<FailureReasons>
					<JobFailure>
						<FailureCode>InternalError</FailureCode>
						<FailureReason>Internal service error</FailureReason>
					</JobFailure>
				</FailureReasons>
			  </Job>
			</DescribeJobResult>`;

/** GO-T ListJobs response. */
export const GO_T_LIST = `<?xml version="1.0" encoding="UTF-8"?>
<ListJobsResult>
  <NextToken>OTY2NzU4</NextToken>
  <Jobs>
    <JobListDescriptor>
      <CreationTime>1785825069</CreationTime>
      <Description>Batch delete object tagging job</Description>
      <JobId>OTliNzRjYzE3OGM0NDlmZmI5MzZlZmQ0OGUxZDA5Zjk=</JobId>
      <Operation>DeleteObjectTagging</Operation>
      <Priority>20</Priority>
      <ProgressSummary>
        <NumberOfTasksFailed>-1</NumberOfTasksFailed>
        <NumberOfTasksSucceeded>-1</NumberOfTasksSucceeded>
        <TotalNumberOfTasks>-1</TotalNumberOfTasks>
        <Timers>
          <ElapsedTimeInActiveSeconds>0</ElapsedTimeInActiveSeconds>
        </Timers>
      </ProgressSummary>
      <TerminationDate>1785825076</TerminationDate>
      <Status>Failed</Status>
    </JobListDescriptor>
    <JobListDescriptor>
      <CreationTime>1785831719</CreationTime>
      <Description>Batch put object acl job</Description>
      <JobId>ZTY0ZGQ0YjY5ZjVhNDI5MDhkYjE5ZGEzYmU5M2YxODA=</JobId>
      <Operation>PutObjectAcl</Operation>
      <Priority>20</Priority>
      <ProgressSummary>
        <NumberOfTasksFailed>0</NumberOfTasksFailed>
        <NumberOfTasksSucceeded>0</NumberOfTasksSucceeded>
        <TotalNumberOfTasks>0</TotalNumberOfTasks>
        <Timers>
          <ElapsedTimeInActiveSeconds>8</ElapsedTimeInActiveSeconds>
        </Timers>
      </ProgressSummary>
      <TerminationDate>1785831749</TerminationDate>
      <Status>Complete</Status>
    </JobListDescriptor>
    <JobListDescriptor>
      <CreationTime>1785831976</CreationTime>
      <Description>Batch put object acl job</Description>
      <JobId>YTBkNDMxZWFlZmUxNDE4MTkwZTUwNzY3YzE5NDUxMjc=</JobId>
      <Operation>PutObjectAcl</Operation>
      <Priority>10</Priority>
      <ProgressSummary>
        <NumberOfTasksFailed>3</NumberOfTasksFailed>
        <NumberOfTasksSucceeded>0</NumberOfTasksSucceeded>
        <TotalNumberOfTasks>3</TotalNumberOfTasks>
        <Timers>
          <ElapsedTimeInActiveSeconds>9</ElapsedTimeInActiveSeconds>
        </Timers>
      </ProgressSummary>
      <TerminationDate>1785832020</TerminationDate>
      <Status>Failed</Status>
    </JobListDescriptor>
  </Jobs>
</ListJobsResult>`;

/** GO-M UpdateJobPriority response. */
export const GO_M_PRIORITY = `<?xml version="1.0" encoding="UTF-8"?>
<UpdateJobPriorityResult>
   <JobId>MzRjZGU2NGQ3YTY5NGRhMTkxZmZhYzY5OTM5YTcxYWU=</JobId>
   <Priority>20</Priority>
</UpdateJobPriorityResult>`;

/** GO-M UpdateJobStatus response. */
export const GO_M_STATUS = `<?xml version="1.0" encoding="UTF-8"?>
<UpdateJobStatusResult>
   <JobId>MzRjZGU2NGQ3YTY5NGRhMTkxZmZhYzY5OTM5YTcxYWU=</JobId>
   <Status>Cancelling</Status>
   <StatusUpdateReason>User requested cancellation</StatusUpdateReason>
</UpdateJobStatusResult>`;
