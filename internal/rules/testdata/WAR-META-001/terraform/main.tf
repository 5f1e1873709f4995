resource "aws_lambda_function" "legacy" {
  function_name = "reports-legacy"
  role          = "arn:aws:iam::123456789012:role/reports"
  handler       = "legacy.handler"
  filename      = "legacy.zip"
  // warden:ignore WAR-CFG-001
  runtime = "python3.8"
}

resource "aws_lambda_function" "batch" {
  function_name = "reports-batch"
  role          = "arn:aws:iam::123456789012:role/reports"
  handler       = "batch.handler"
  filename      = "batch.zip"
  runtime       = "python3.8" # warden:ignore WAR-CFG-001 replaced by the Step Functions pipeline, removal in PR 118
}

resource "aws_lambda_function" "legacy_hash" {
  function_name = "reports-legacy-hash"
  role          = "arn:aws:iam::123456789012:role/reports"
  handler       = "legacy.handler"
  filename      = "legacy.zip"
  runtime       = "python3.8" # warden:ignore WAR-CFG-001
}

resource "aws_lambda_function" "current" {
  function_name = "reports-current"
  role          = "arn:aws:iam::123456789012:role/reports"
  handler       = "current.handler"
  filename      = "current.zip"
  runtime       = "python3.12"
}
