import os
import urllib.parse

import boto3

s3 = boto3.client("s3")


def on_upload(event, context):
    for record in event["Records"]:
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        bucket = record["s3"]["bucket"]["name"]
        os.system(f"aws s3 cp s3://{bucket}/{key} /tmp/")  # want "WAR-INJ-001 event.Records\\[\\*\\].s3.object.key .*storage trigger S3"
        head = s3.head_object(Bucket=bucket, Key="fixed/name")
        os.system("tag --owner " + head["Metadata"]["owner"])  # want "WAR-INJ-001 event.Records\\[\\*\\].s3.object reaches os.system .*storage trigger S3"
        os.system("size " + str(head["ContentLength"] > 10))  # a comparison, not the data


def on_message(event, context):
    msgs = [r["body"] for r in event["Records"]]
    for m in msgs:
        os.system("process " + m)  # want "WAR-INJ-001 .*queue trigger SQS"
    ids = [r["messageId"] for r in event["Records"]]
    os.system("ack " + " ".join(ids))  # message IDs are set by SQS


def nightly(event, context):
    os.system("report " + event["detail"]["day"])  # want "WAR-INJ-001 .*schedule"
