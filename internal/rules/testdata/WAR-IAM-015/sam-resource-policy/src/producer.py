import json
import os

import boto3

sqs = boto3.client("sqs")
audit = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event))
    audit.put_item(Item={"id": context.aws_request_id})  # want "WAR-IAM-015 .*dynamodb:PutItem on Audit"
