import json
import os

import boto3

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def create_order(event, context):
    order = json.loads(event["body"])
    TABLE.put_item(Item={"id": str(order["id"]), "qty": int(order["qty"])})
    return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}


def process_upload(event, context):
    for record in event["Records"]:
        print(json.dumps({"received": record["messageId"]}))
