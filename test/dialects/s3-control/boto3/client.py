"""Drives batchplane's S3 Control dialect with boto3, as a Python user would (README's recipe).

Usage: client.py <endpoint> <manifest-etag>. Prints one JSON object: what each call returned or
the error botocore raised (class name, code, HTTP status), for the test to assert on.
"""
import datetime
import json
import sys

import boto3

ENDPOINT, ETAG = sys.argv[1], sys.argv[2]
ACCOUNT = "123456789012"
c = boto3.client("s3control", endpoint_url=ENDPOINT, region_name="eu-west-1",
                 aws_access_key_id="batchplane", aws_secret_access_key="batchplane")
c.meta.events.register("before-sign.s3-control",
                       lambda request, **kw: setattr(request, "url", request.url.replace(f"://{ACCOUNT}.", "://", 1)))


def error_of(call):
    try:
        call()
        return None
    except c.exceptions.ClientError as e:
        return [type(e).__name__, e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]


out = {}
created = c.create_job(
    AccountId=ACCOUNT, Priority=5, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/batch", Description="from boto3",
    Operation={"S3PutObjectTagging": {"TagSet": [{"Key": "reviewed", "Value": "yes"}, {"Key": "empty", "Value": ""}]}},
    Manifest={"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
              "Location": {"ObjectArn": "arn:aws:s3:::manifests/photos.csv", "ETag": ETAG}},
    Report={"Enabled": True, "Bucket": "arn:aws:s3:::reports", "Format": "Report_CSV_20180820",
            "Prefix": "boto", "ReportScope": "AllTasks"},
    Tags=[{"Key": "team", "Value": "data"}],
)
job_id = created["JobId"]
out["jobId"] = job_id
# Same token again is the same job (botocore generates a token per call, so pass one explicitly).
token_args = dict(AccountId=ACCOUNT, Priority=1, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/batch", ClientRequestToken="fixed-token",
                  Operation={"S3DeleteObjectTagging": {}}, Report={"Enabled": False},
                  Manifest={"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                            "Location": {"ObjectArn": "arn:aws:s3:::manifests/photos.csv", "ETag": ETAG}})
first = c.create_job(**token_args)["JobId"]
out["sameTokenSameJob"] = c.create_job(**token_args)["JobId"] == first
out["sameTokenOtherRequest"] = error_of(lambda: c.create_job(**{**token_args, "Priority": 2}))
job = c.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]
out["describe"] = {"status": job["Status"], "confirmationRequired": job["ConfirmationRequired"],
                   "arn": job["JobArn"], "creationTimeIsDatetime": isinstance(job["CreationTime"], datetime.datetime),
                   "manifestArn": job["Manifest"]["Location"]["ObjectArn"], "tags": job["Operation"]["S3PutObjectTagging"]["TagSet"]}
out["listed"] = [j["JobId"] for j in c.list_jobs(AccountId=ACCOUNT, MaxResults=1)["Jobs"]]
out["tags"] = c.get_job_tagging(AccountId=ACCOUNT, JobId=job_id)["Tags"]
out["priority"] = c.update_job_priority(AccountId=ACCOUNT, JobId=job_id, Priority=2147483647)["Priority"]
out["errors"] = {
    "unknownJob": error_of(lambda: c.describe_job(AccountId=ACCOUNT, JobId="00000000-0000-4000-8000-00000000abcd")),
    "priorityTooHigh": error_of(lambda: c.update_job_priority(AccountId=ACCOUNT, JobId=job_id, Priority=2147483648)),
    "badStatus": error_of(lambda: c.update_job_status(AccountId=ACCOUNT, JobId=job_id, RequestedJobStatus="Active")),
    "tooManyTags": error_of(lambda: c.put_job_tagging(AccountId=ACCOUNT, JobId=job_id, Tags=[{"Key": f"k{i}", "Value": ""} for i in range(51)])),
    "badToken": error_of(lambda: c.list_jobs(AccountId=ACCOUNT, NextToken="not-a-token")),
}
print(json.dumps(out))
