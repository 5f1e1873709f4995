import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
s3 = boto3.client("s3")


def handler(event, context):
    order = table.get_item(Key={"id": event["id"]})
    table.put_item(Item=order["Item"])  # want "WAR-IAM-015 .*dynamodb:PutItem on OrdersTable"
    s3.get_object(Bucket=os.environ["BUCKET"], Key="daily.csv")
    notify(order)
    return {"statusCode": 200}


def notify(order):
    sqs = boto3.client("sqs")
    sqs.send_message(  # want "WAR-IAM-015 .*sqs:SendMessage on arn:aws:sqs:\\*:\\*:audit"
        QueueUrl="https://sqs.eu-west-1.amazonaws.com/123456789012/audit",
        MessageBody=str(order),
    )
