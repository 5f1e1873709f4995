"""Orders API: the SDK calls here are what `warden iam suggest` reads."""

import json
import os

import boto3

from store import orders_table

sqs = boto3.client("sqs")
secrets = boto3.client("secretsmanager")
ssm = boto3.client("ssm")
s3 = boto3.client("s3")


def handler(event, context):
    if event["httpMethod"] == "GET":
        item = orders_table().get_item(Key={"id": event["pathParameters"]["id"]}).get("Item")
        return {"statusCode": 200, "body": json.dumps(item)}
    order = json.loads(event["body"])
    api_key = secrets.get_secret_value(SecretId="prod/orders/api-key")["SecretString"]
    config = ssm.get_parameter(Name=os.environ["CONFIG_PARAM"])["Parameter"]["Value"]
    orders_table().put_item(Item={**order, "config": config, "signed": bool(api_key)})
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(order))
    if "export_bucket" in order:
        # The bucket comes from the request: no policy can name it.
        s3.put_object(Bucket=order["export_bucket"], Key=f"orders/{order['id']}.json", Body=json.dumps(order))
    return {"statusCode": 201, "body": json.dumps({"id": order["id"]})}
