def handler(event, context):
    for record in event["Records"]:
        eval(record["body"])  # want "WAR-INJ-002 event.Records\\[\\*\\].body reaches eval"
        eval("1 + 1")  # constant
