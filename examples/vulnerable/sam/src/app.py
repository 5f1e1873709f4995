import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def create_order(event, context):
    try:
        order = json.loads(event["body"])
        TABLE.put_item(Item=order)
        return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}
    except Exception as e:  # the error text goes back to the caller
        return {"statusCode": 500, "body": str(e)}


def report(event, context):
    return {"statusCode": 200, "body": json.dumps(TABLE.scan()["Items"])}


def process_upload(event, context):
    for record in event["Records"]:
        os.system("convert " + record["body"] + " /tmp/out.png")
