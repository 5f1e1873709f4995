import urllib.request


def handler(event, context):
    url = event["queryStringParameters"]["url"]
    urllib.request.urlopen(url)  # want "WAR-INJ-005 event.queryStringParameters.url reaches urllib.request.urlopen"
    urllib.request.urlopen("https://api.example.com/items/" + url)  # fixed host
