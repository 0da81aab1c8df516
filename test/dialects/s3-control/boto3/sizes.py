"""boto3 sends the model's long exactly (Python ints): creates a generator job with the extreme
size bounds and prints what DescribeJob answers for them, as JSON. Usage: sizes.py <endpoint>."""
import json
import sys

import boto3

ENDPOINT = sys.argv[1]
ACCOUNT = "123456789012"
c = boto3.client("s3control", endpoint_url=ENDPOINT, region_name="eu-west-1",
                 aws_access_key_id="batchplane", aws_secret_access_key="batchplane")
c.meta.events.register("before-sign.s3-control",
                       lambda request, **kw: setattr(request, "url", request.url.replace(f"://{ACCOUNT}.", "://", 1)))
job_id = c.create_job(
    AccountId=ACCOUNT, Priority=1, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/batch", ConfirmationRequired=True,
    Operation={"S3DeleteObjectTagging": {}}, Report={"Enabled": False},
    ManifestGenerator={"S3JobManifestGenerator": {
        "SourceBucket": "arn:aws:s3:::photos", "EnableManifestOutput": False,
        "Filter": {"ObjectSizeGreaterThanBytes": -(2 ** 63), "ObjectSizeLessThanBytes": 2 ** 63 - 1}}},
)["JobId"]
f = c.describe_job(AccountId=ACCOUNT, JobId=job_id)["Job"]["ManifestGenerator"]["S3JobManifestGenerator"]["Filter"]
print(json.dumps({"greater": str(f["ObjectSizeGreaterThanBytes"]), "less": str(f["ObjectSizeLessThanBytes"])}))
