import json
import os
import subprocess

import jsonschema

SCHEMA = {"type": "object", "properties": {"name": {"type": "string", "pattern": "^[a-z]+$"}}}


def on_stream(event, context):
    for rec in event["Records"]:
        image = rec["dynamodb"]["NewImage"]
        os.system("notify " + image["email"]["S"])  # want "WAR-INJ-001 event.Records\\[\\*\\].dynamodb.NewImage"
        os.system("log " + rec["eventName"])  # set by DynamoDB


def pre_signup(event, context):
    attrs = event["request"]["userAttributes"]
    os.system("welcome " + attrs["email"])  # want "WAR-INJ-001 event.request.userAttributes"
    return event


def on_topic(event, context):
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    subprocess.run("process " + message["id"], shell=True)  # want "WAR-INJ-001 event.Records\\[\\*\\].Sns.Message"


def api(event, context):
    agent = event["headers"]["user-agent"]
    os.system("echo " + agent)  # want "WAR-INJ-001 event.headers.user-agent"
    client = context.client_context.custom["device"]
    os.system("echo " + client)  # want "WAR-INJ-001 context.client_context"
    os.system("echo " + context.aws_request_id)  # set by Lambda
    body = json.loads(event["body"])
    jsonschema.validate(instance=body, schema=SCHEMA)
    os.system("greet " + body["name"])  # validated against a schema
    return {"statusCode": 200}
