import os


def handler(event, context):
    for record in event["Records"]:
        os.system("process " + record["body"])  # want "WAR-INJ-001 event.Records\\[\\*\\].body reaches os.system .*queue"
        os.system("ack " + record["messageId"])  # set by SQS
