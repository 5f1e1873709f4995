stripe_key_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stripe"
