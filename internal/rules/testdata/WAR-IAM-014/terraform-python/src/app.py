import os

import boto3

dynamodb = boto3.client("dynamodb")


def handler(event, context):
    if "id" in event:
        return dynamodb.get_item(TableName=os.environ["TABLE"], Key={"id": {"S": event["id"]}})
    return dynamodb.query(TableName=os.environ["TABLE"], KeyConditionExpression="pk = :p")
