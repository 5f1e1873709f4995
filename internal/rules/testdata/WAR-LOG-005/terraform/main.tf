resource "aws_cloudwatch_log_group" "orders" { # want "WAR-LOG-005 .*orders"
  name              = "/aws/lambda/orders"
  retention_in_days = 90
}

resource "aws_kms_key" "logs" {
  description         = "CloudWatch Logs"
  enable_key_rotation = true
}

resource "aws_cloudwatch_log_group" "payments" {
  name              = "/aws/lambda/payments"
  retention_in_days = 90
  kms_key_id        = aws_kms_key.logs.arn
}
