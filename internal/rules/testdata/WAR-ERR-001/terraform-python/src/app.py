import json


def handler(event, context):
    try:
        return {"statusCode": 200, "body": json.dumps(json.loads(event["body"]))}
    except Exception as e:
        return {"statusCode": 500, "body": repr(e)}  # want "WAR-ERR-001 function aws_lambda_function.fn returns exception details .*no authentication"
