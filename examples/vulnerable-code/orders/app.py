"""Orders API. Vulnerable by design: see the WAR-* comments."""
import json
import logging
import os
import subprocess

import boto3
import pymysql
import requests

from reports import render_report

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
logger = logging.getLogger()


def handler(event, context):
    try:
        if event["httpMethod"] == "POST":
            return export(json.loads(event["body"]))
        order_id = event["pathParameters"]["id"]
        conn = pymysql.connect(host=os.environ.get("DB_HOST", "db"), user="app")
        with conn.cursor() as cur:
            # WAR-INJ-003: SQL built with string formatting.
            cur.execute("SELECT * FROM orders WHERE id = '%s'" % order_id)
            row = cur.fetchone()
        # WAR-INJ-003: DynamoDB filter expression built from the request.
        items = table.scan(FilterExpression="customer = " + order_id)
        return {"statusCode": 200, "body": json.dumps({"order": row, "related": items["Items"]})}
    except Exception as e:
        logger.exception("order request failed")
        # WAR-ERR-001: the exception text goes back to the caller.
        return {"statusCode": 500, "body": json.dumps({"error": str(e)})}


def export(request):
    fmt = request.get("format", "csv")
    # WAR-INJ-001: shell command built from the request body.
    subprocess.run(f"/opt/bin/export --format {fmt} --out /tmp/export", shell=True, check=True)
    # WAR-INJ-005: the request chooses where the export is posted.
    requests.post(request["webhook"], data=open("/tmp/export", "rb"), timeout=5)
    return {"statusCode": 200, "body": render_report(request["title"])}
