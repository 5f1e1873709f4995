import json
import urllib.request

import requests


def handler(event, context):
    body = json.loads(event["body"])
    url = body["url"]
    requests.get(url, timeout=5)  # want "WAR-INJ-005 event.body reaches requests.get"
    requests.post(url=body["hook"], json={})  # want "WAR-INJ-005"
    urllib.request.urlopen("http://" + body["host"] + "/status")  # want "WAR-INJ-005"
    session = requests.Session()
    session.get(url)  # want "WAR-INJ-005 .*requests.Session.get"
    # Negative cases: the host is fixed, the data is a path or query.
    requests.get(f"https://api.example.com/users/{body['id']}", timeout=5)
    requests.get("https://api.example.com/search?q=" + body["q"], timeout=5)
    requests.get("https://api.example.com/health", timeout=5)
    return {"statusCode": 200}
