import json
import logging

logger = logging.getLogger()


def handler(event, context):
    for record in event["Records"]:
        try:
            process(json.loads(record["body"]))
        except Exception:  # want "WAR-ERR-002 catch-all handler in function Worker"
            pass
        try:
            process(record)
        except:  # want "WAR-ERR-002"
            return {"batchItemFailures": []}
        # Negative cases.
        try:
            process(record)
        except KeyError:
            pass  # a specific error, handled on purpose
        try:
            process(record)
        except Exception:
            logger.exception("record %s failed", record["messageId"])
        try:
            process(record)
        except (ValueError, Exception) as e:
            raise RuntimeError("bad record") from e


def process(item):
    return item


def unused():
    try:
        pass
    except Exception:
        pass  # not reachable from the handler
