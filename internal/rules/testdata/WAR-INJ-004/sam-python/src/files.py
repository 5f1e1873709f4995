import os
import shutil
from pathlib import Path

BASE = "/tmp/reports"


def handler(event, context):
    name = event["pathParameters"]["name"]
    with open(os.path.join(BASE, name)) as f:  # want "WAR-INJ-004 event.pathParameters.name reaches open .*authenticated"
        data = f.read()
    p = BASE + "/" + name
    os.remove(p)  # want "WAR-INJ-004"
    shutil.rmtree(f"{BASE}/{name}")  # want "WAR-INJ-004"
    Path(name).read_text()  # want "WAR-INJ-004 .*pathlib.Path"
    # Negative cases.
    open(os.path.join(BASE, os.path.basename(name)))  # reduced to a file name
    open(os.path.join(BASE, "index.html"))  # constant
    return {"statusCode": 200, "body": data}
