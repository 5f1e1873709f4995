resource "aws_sqs_queue" "orders" {
  name = "orders"
}

resource "aws_sns_topic" "order_events" {
  name              = "order-events"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sqs_queue_policy" "orders" {
  queue_url = aws_sqs_queue.orders.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { # want "WAR-CFG-019 .*queue aws_sqs_queue.orders"
        Sid       = "AnyoneCanSend"
        Effect    = "Allow"
        Principal = "*"
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.orders.arn
      },
      {
        Sid       = "TopicCanSend"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.orders.arn
        Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.order_events.arn } }
      },
    ]
  })
}

data "aws_iam_policy_document" "order_events" {
  statement {
    sid       = "OrgPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.order_events.arn]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = ["o-a1b2c3d4e5"]
    }
  }
}

resource "aws_sns_topic_policy" "order_events" {
  arn    = aws_sns_topic.order_events.arn
  policy = data.aws_iam_policy_document.order_events.json
}

resource "aws_kms_key" "shared" {
  description         = "shared decrypt"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "RootAccess"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::123456789012:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      { # want "WAR-CFG-019 .*key aws_kms_key.shared"
        Sid       = "AnyoneDecrypt"
        Effect    = "Allow"
        Principal = { AWS = "*" }
        Action    = "kms:Decrypt"
        Resource  = "*"
      },
    ]
  })
}
