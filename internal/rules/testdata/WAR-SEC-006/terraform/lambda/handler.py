import os

SIGNING_KEY = """-----BEGIN EC PRIVATE KEY-----  # want "WAR-SEC-006 hard-coded private key found by detector private-key: -----BEGIN EC PRIVATE KEY-----\*\*\*\* .* in the code of function aws_lambda_function.reports"
MHcCAQEEIBkV8rXq2m3pLz7Yc4Nd6Hs0Bj5Ge8Ua1Ro3TfT1vLx9oAoGCCqGSM49
AwEHoUQDQgAE3Tz2mr7SZiAMfQyuvBjM9Oi8sRmq3oYYdYHm4zXRxLwjyPf8q1nJ
nBxT6u5KOt9E3oGKSmpWzHhZNRFb2nY7uQ==
-----END EC PRIVATE KEY-----"""

API_TOKEN = os.environ.get("API_TOKEN")


def handler(event, context):
    return {"signed": bool(SIGNING_KEY), "token": bool(API_TOKEN)}
