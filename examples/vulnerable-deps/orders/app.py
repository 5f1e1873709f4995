import json

import yaml


def lambda_handler(event, context):
    # Unsafe on purpose: full_load on request data (CVE-2020-14343).
    order = yaml.full_load(event.get("body") or "{}")
    return {"statusCode": 200, "body": json.dumps({"items": len(order or {})})}
