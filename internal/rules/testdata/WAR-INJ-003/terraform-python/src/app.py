import json

import pymysql

conn = pymysql.connect(host="db")


def handler(event, context):
    name = json.loads(event["body"])["name"]
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM users WHERE name = '" + name + "'")  # want "WAR-INJ-003 event.body reaches execute .*no authentication"
        cur.execute("SELECT * FROM users WHERE name = %s", (name,))  # parameterized
