resource "aws_sns_topic" "clear" { # want "WAR-CFG-004 topic"
  name = "clear"
}

resource "aws_sns_topic" "encrypted" {
  name              = "encrypted"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sqs_queue" "default" {
  name = "default"
}

resource "aws_sqs_queue" "clear" {
  name                    = "clear"
  sqs_managed_sse_enabled = false # want "WAR-CFG-004 queue"
}

resource "aws_kinesis_stream" "clear" { # want "WAR-CFG-004 stream"
  name        = "clear"
  shard_count = 1
}

resource "aws_kinesis_stream" "encrypted" {
  name            = "encrypted"
  shard_count     = 1
  encryption_type = "KMS"
  kms_key_id      = "alias/aws/kinesis"
}
