resource "aws_s3_bucket" "uploads" {
  bucket = "media-ingest-uploads"
}

resource "aws_sns_topic" "published" {
  name              = "media-published"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sqs_queue" "failed" {
  name = "media-failed-events"
}

resource "aws_lambda_function" "ingest" { # want "WAR-DOS-007 .*ingest"
  function_name = "media-ingest"
  role          = "arn:aws:iam::123456789012:role/media"
  runtime       = "python3.12"
  handler       = "media.ingest"
  filename      = "media.zip"
}

resource "aws_lambda_permission" "uploads" {
  statement_id   = "AllowS3Invoke"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.ingest.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.uploads.arn
  source_account = "123456789012"
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  lambda_function {
    lambda_function_arn = aws_lambda_function.ingest.arn
    events              = ["s3:ObjectCreated:*"]
  }
}

resource "aws_lambda_function" "notify" {
  function_name = "media-notify"
  role          = "arn:aws:iam::123456789012:role/media"
  runtime       = "python3.12"
  handler       = "media.notify"
  filename      = "media.zip"
}

resource "aws_lambda_function_event_invoke_config" "notify" {
  function_name                = aws_lambda_function.notify.function_name
  maximum_retry_attempts       = 1
  maximum_event_age_in_seconds = 3600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.failed.arn
    }
  }
}

resource "aws_sns_topic_subscription" "notify" {
  topic_arn = aws_sns_topic.published.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.notify.arn
}

resource "aws_lambda_function" "audit" {
  function_name = "media-audit"
  role          = "arn:aws:iam::123456789012:role/media"
  runtime       = "python3.12"
  handler       = "media.audit"
  filename      = "media.zip"

  dead_letter_config {
    target_arn = aws_sqs_queue.failed.arn
  }
}

resource "aws_sns_topic_subscription" "audit" {
  topic_arn = aws_sns_topic.published.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.audit.arn
}

resource "aws_lambda_function" "nightly" {
  function_name = "media-nightly"
  role          = "arn:aws:iam::123456789012:role/media"
  runtime       = "python3.12"
  handler       = "media.nightly"
  filename      = "media.zip"
}

resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "media-nightly"
  schedule_expression = "rate(1 day)"
}

resource "aws_cloudwatch_event_target" "nightly" {
  rule = aws_cloudwatch_event_rule.nightly.name
  arn  = aws_lambda_function.nightly.arn
}
