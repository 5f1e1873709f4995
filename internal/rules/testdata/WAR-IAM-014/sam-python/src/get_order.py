import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    return table.get_item(Key={"id": event["pathParameters"]["id"]}).get("Item")
