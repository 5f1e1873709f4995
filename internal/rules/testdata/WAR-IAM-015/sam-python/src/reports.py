import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    s3.put_object(Bucket=os.environ["BUCKET"], Key="daily.csv", Body=b"")
    s3.get_object(Bucket=os.environ["BUCKET"], Key="daily.csv")
    return {"statusCode": 200}
