import os
import sqlite3

import boto3
import pymysql
from boto3.dynamodb.conditions import Attr, Key
from sqlalchemy import text

table = boto3.resource("dynamodb").Table(os.environ.get("TABLE", "orders"))
client = boto3.client("dynamodb")


def handler(event, context):
    order_id = event["pathParameters"]["id"]
    status = (event.get("queryStringParameters") or {}).get("status")
    conn = pymysql.connect(host="db")
    cur = conn.cursor()
    cur.execute("SELECT * FROM orders WHERE id = '%s'" % order_id)  # want "WAR-INJ-003 event.pathParameters.id reaches execute"
    cur.execute(f"SELECT * FROM orders WHERE status = '{status}'")  # want "WAR-INJ-003 event.queryStringParameters.status"
    db = sqlite3.connect("/tmp/x.db")
    db.executescript("DELETE FROM t WHERE id = " + order_id)  # want "WAR-INJ-003"
    text("SELECT * FROM t WHERE id = {}".format(order_id))  # want "WAR-INJ-003 .*sqlalchemy.text"
    table.scan(FilterExpression="status = " + status)  # want "WAR-INJ-003 .*DynamoDB FilterExpression"
    client.execute_statement(Statement=f"SELECT * FROM orders WHERE id = '{order_id}'")  # want "WAR-INJ-003 .*PartiQL"
    find_order(order_id)

    # Negative cases: parameterized queries and condition builders.
    cur.execute("SELECT * FROM orders WHERE id = %s", (order_id,))
    cur.execute("SELECT * FROM orders WHERE id = ?", [order_id])
    table.query(KeyConditionExpression=Key("id").eq(order_id))
    table.scan(FilterExpression=Attr("status").eq(status) & Attr("id").eq(order_id))
    client.execute_statement(Statement="SELECT * FROM orders WHERE id = ?", Parameters=[{"S": order_id}])
    cur.execute("SELECT * FROM orders WHERE id = %d" % int(order_id))
    return {"statusCode": 200}


def find_order(oid):
    with sqlite3.connect("/tmp/x.db") as db:
        return db.execute("SELECT * FROM o WHERE id = " + oid).fetchall()  # want "WAR-INJ-003 event.pathParameters.id"
