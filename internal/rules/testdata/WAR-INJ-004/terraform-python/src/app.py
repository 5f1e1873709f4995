import os


def handler(event, context):
    name = event["queryStringParameters"]["file"]
    with open("/tmp/" + name) as f:  # want "WAR-INJ-004 event.queryStringParameters.file reaches open"
        data = f.read()
    with open("/tmp/" + os.path.basename(name)) as f:  # reduced to a file name
        data += f.read()
    return {"statusCode": 200, "body": data}
