resource "aws_secretsmanager_secret" "stripe" { # want "WAR-SEC-004 .*stripe"
  name = "billing/stripe"
}

resource "aws_secretsmanager_secret" "db" {
  name = "billing/db"
}

resource "aws_secretsmanager_secret_rotation" "db" {
  secret_id           = aws_secretsmanager_secret.db.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:SecretsManagerRDSPostgreSQLRotationSingleUser"

  rotation_rules {
    automatically_after_days = 30
  }
}
