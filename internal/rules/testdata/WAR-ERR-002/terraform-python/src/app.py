def handler(event, context):
    for record in event["Records"]:
        try:
            int(record["body"])
        except BaseException:  # want "WAR-ERR-002 catch-all handler in function aws_lambda_function.fn"
            continue
