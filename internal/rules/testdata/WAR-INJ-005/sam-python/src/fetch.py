import json
import os
import urllib.request

import requests

API_BASE = os.environ.get("API_BASE", "https://api.example.com")


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
    requests.get(os.environ["API_URL"] + "/users/" + body["id"], timeout=5)  # configured host
    requests.get(f"{API_BASE}/orders/{body['id']}", timeout=5)  # configured host
    requests.get("https://" + body["tenant"] + ".example.com/x", timeout=5)  # want "WAR-INJ-005"
    requests.get("%s/items" % body["base"], timeout=5)  # want "WAR-INJ-005"
    return {"statusCode": 200}
