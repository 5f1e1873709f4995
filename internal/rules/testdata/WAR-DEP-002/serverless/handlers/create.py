import boto3


def handler(event, context):
    return boto3.client("sqs").send_message(QueueUrl=event["queue"], MessageBody=event["body"])
