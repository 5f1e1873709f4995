import os

import boto3

_table = None


def orders_table():
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
    return _table
