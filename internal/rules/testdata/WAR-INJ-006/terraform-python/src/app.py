import pickle
import base64


def handler(event, context):
    for record in event["Records"]:
        pickle.loads(base64.b64decode(record["body"]))  # want "WAR-INJ-006 event.Records\\[\\*\\].body reaches pickle.loads"
