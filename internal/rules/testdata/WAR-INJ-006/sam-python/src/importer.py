import base64
import pickle

import jsonpickle
import yaml


def handler(event, context):
    for record in event["Records"]:
        raw = base64.b64decode(record["body"])
        obj = pickle.loads(raw)  # want "WAR-INJ-006 event.Records\\[\\*\\].body reaches pickle.loads .*queue"
        jsonpickle.decode(record["body"])  # want "WAR-INJ-006"
        yaml.load(record["body"])  # want "WAR-INJ-006 .*yaml.load"
        yaml.load(record["body"], Loader=yaml.Loader)  # want "WAR-INJ-006"
        # Negative cases.
        yaml.load(record["body"], Loader=yaml.SafeLoader)
        yaml.safe_load(record["body"])
        pickle.loads(open("/opt/model.pkl", "rb").read())
