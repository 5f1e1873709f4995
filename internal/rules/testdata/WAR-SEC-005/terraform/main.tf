resource "aws_kms_key" "env" {
  description         = "billing function environment"
  enable_key_rotation = true
}

resource "aws_lambda_function" "charge" {
  function_name = "billing-charge"
  role          = "arn:aws:iam::123456789012:role/billing"
  runtime       = "python3.12"
  handler       = "billing.charge"
  filename      = "billing.zip"

  environment {
    variables = {
      PARTNER_API_TOKEN = "a8f5f167f44f4964e6c998dee827110c" # want "WAR-SEC-005 .*PARTNER_API_TOKEN"
      INVOICES_TABLE    = "invoices"
    }
  }
}

resource "aws_lambda_function" "refund" {
  function_name = "billing-refund"
  role          = "arn:aws:iam::123456789012:role/billing"
  runtime       = "python3.12"
  handler       = "billing.refund"
  filename      = "billing.zip"
  kms_key_arn   = aws_kms_key.env.arn

  environment {
    variables = {
      PARTNER_API_TOKEN = "a8f5f167f44f4964e6c998dee827110c"
    }
  }
}

resource "aws_lambda_function" "report" {
  function_name = "billing-report"
  role          = "arn:aws:iam::123456789012:role/billing"
  runtime       = "python3.12"
  handler       = "billing.report"
  filename      = "billing.zip"

  environment {
    variables = {
      PARTNER_API_TOKEN_PARAM = "/billing/prod/partner-api-token"
      STRIPE_KEY_ARN          = aws_secretsmanager_secret.stripe.arn
    }
  }
}

resource "aws_secretsmanager_secret" "stripe" {
  name = "billing/stripe"
}
