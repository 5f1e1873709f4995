import json
import logging
import traceback

logger = logging.getLogger()


def handler(event, context):
    try:
        order = json.loads(event["body"])
        return {"statusCode": 200, "body": json.dumps(order)}
    except KeyError as e:
        return {"statusCode": 400, "body": json.dumps({"error": str(e)})}  # want "WAR-ERR-001 function Orders returns exception details .*no authentication"
    except ValueError:
        return {"statusCode": 500, "body": traceback.format_exc()}  # want "WAR-ERR-001"
    except Exception as e:
        logger.exception("failed")
        return error_response(e)


def error_response(exc):
    resp = {"statusCode": 500, "headers": {}}
    resp["body"] = f"internal error: {exc!r}"
    return resp  # want "WAR-ERR-001"


def private(event, context):
    try:
        return {"statusCode": 200, "body": "ok"}
    except Exception as err:
        # Negative: logged, generic message returned.
        logger.error("failed: %s", err)
        return {"statusCode": 500, "body": json.dumps({"message": "internal error"})}


def worker(event, context):
    try:
        pass
    except Exception as e:
        # Not an HTTP function: the return value goes to no client.
        return {"statusCode": 500, "body": str(e)}
