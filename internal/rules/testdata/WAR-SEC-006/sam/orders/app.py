import os

import boto3
import jwt

# A working AWS key pair in code: critical.
s3 = boto3.client(
    "s3",
    aws_access_key_id="AKIAZ7VQ3XK2MNB4PLRW",  # want "WAR-SEC-006 hard-coded AWS access key pair found by detector aws-access-token: AKIA\*\*\*\* \(20 chars\); the other half of the AWS key pair is on line 10 in the code of function OrdersFunction"
    aws_secret_access_key="q8Zr3fT1vLx9Wm2Kp7Yc4Nd6Hs0Bj5Ge8Ua1Ro3T",  # want "WAR-SEC-006 hard-coded AWS access key pair found by detector warden-aws-secret-access-key: q8Zr\*\*\*\* \(40 chars\)"
)

JWT_SECRET = "Orders-JWT-signing-secret-2024"  # want "WAR-SEC-006 hard-coded signing secret found by detector warden-jwt-signing-secret: Orde\*\*\*\* \(30 chars\)"
DSN = "postgresql://orders:Xk9vQ2mL7pR4tW@orders-db.internal:5432/orders"  # want "WAR-SEC-006 hard-coded password in a connection string .*: Xk9\*\*\*\* \(14 chars\)"

# Near misses: lookups, placeholders and documentation examples.
JWT_SECRET_FROM_ENV = os.environ["JWT_SECRET"]
jwt_secret = os.getenv("JWT_SECRET", "changeme")
EXAMPLE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
LOCAL_DSN = "postgres://postgres:postgres@localhost:5432/test"
TEMPLATE_DSN = "postgres://{user}:{password}@{host}/orders"
api_key = "<your-key>"
db_password = "${DB_PASSWORD}"


def handler(event, context):
    token = jwt.encode({"sub": event["user"]}, JWT_SECRET_FROM_ENV, algorithm="HS256")
    return {"statusCode": 200, "body": token}
