resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
}

resource "aws_sqs_queue" "no_dlq" {
  name = "no-dlq"
}

resource "aws_sqs_queue" "dlq" {
  name = "dlq"
}

resource "aws_sqs_queue" "with_dlq" {
  name           = "with-dlq"
  redrive_policy = jsonencode({ deadLetterTargetArn = aws_sqs_queue.dlq.arn, maxReceiveCount = 5 })
}

resource "aws_lambda_event_source_mapping" "bad" { # want "WAR-DOS-002 .*no-dlq|aws_sqs_queue.no_dlq"
  event_source_arn = aws_sqs_queue.no_dlq.arn
  function_name    = aws_lambda_function.worker.arn
}

resource "aws_lambda_event_source_mapping" "good" {
  event_source_arn = aws_sqs_queue.with_dlq.arn
  function_name    = aws_lambda_function.worker.arn
}

resource "aws_kinesis_stream" "s" {
  name             = "s"
  shard_count      = 1
  encryption_type  = "KMS"
  kms_key_id       = "alias/aws/kinesis"
}

resource "aws_lambda_event_source_mapping" "stream_bad" { # want "WAR-DOS-002 .*stream"
  event_source_arn  = aws_kinesis_stream.s.arn
  function_name     = aws_lambda_function.worker.arn
  starting_position = "LATEST"
}

resource "aws_lambda_event_source_mapping" "stream_good" {
  event_source_arn  = aws_kinesis_stream.s.arn
  function_name     = aws_lambda_function.worker.arn
  starting_position = "LATEST"
  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.dlq.arn
    }
  }
}
