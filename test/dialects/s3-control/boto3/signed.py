"""boto3 against a batchplane that checks signatures (README's before-sign hook).

Usage: signed.py <endpoint> <account> <access key> <secret> <other account>. Prints one JSON
object: for each call, what it returned or the error botocore raised (code, HTTP status).
"""
import json
import sys

import boto3

ENDPOINT, ACCOUNT, KEY, SECRET, OTHER = sys.argv[1:6]


def client(key=KEY, secret=SECRET):
    c = boto3.client("s3control", endpoint_url=ENDPOINT, region_name="eu-west-1",
                     aws_access_key_id=key, aws_secret_access_key=secret)
    c.meta.events.register("before-sign.s3-control",
                           lambda request, **kw: setattr(request, "url", request.url.replace("://%s." % ACCOUNT, "://", 1).replace("://%s." % OTHER, "://", 1)))
    return c


def outcome(call):
    try:
        result = call()
        return ["ok", result["ResponseMetadata"]["HTTPStatusCode"]]
    except Exception as e:  # botocore's ClientError
        return [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]]


create = dict(AccountId=ACCOUNT, Priority=5, RoleArn="arn:aws:iam::%s:role/batch" % ACCOUNT, ConfirmationRequired=True,
              Operation={"S3DeleteObjectTagging": {}}, Report={"Enabled": False},
              Manifest={"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": ["Bucket", "Key"]},
                        "Location": {"ObjectArn": "arn:aws:s3:::manifests/m.csv", "ETag": "etag"}})
out = {}
created = client().create_job(**create)
out["created"] = created["JobId"]
out["describe"] = client().describe_job(AccountId=ACCOUNT, JobId=created["JobId"])["Job"]["Status"]
out["priority"] = outcome(lambda: client().update_job_priority(AccountId=ACCOUNT, JobId=created["JobId"], Priority=9))
out["wrongSecret"] = outcome(lambda: client(secret=SECRET + "x").list_jobs(AccountId=ACCOUNT))
out["unknownKey"] = outcome(lambda: client(key="AKIAUNKNOWNKEY000000").list_jobs(AccountId=ACCOUNT))
out["otherAccount"] = outcome(lambda: client().list_jobs(AccountId=OTHER))
print(json.dumps(out))
