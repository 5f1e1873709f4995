import boto3


def handler(event, context):
    client = boto3.client(event["service"])
    return client.list_tables()
