data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_dynamodb_table" "orders" {
  name         = "orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
}

resource "aws_iam_role" "writer" {
  name               = "writer"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "writer" {
  statement { # want "WAR-IAM-008 .*dynamodb:PutItem.*every resource"
    actions   = ["dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = ["*"]
  }
  statement {
    actions   = ["xray:PutTraceSegments", "cloudwatch:PutMetricData"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "writer" {
  role   = aws_iam_role.writer.id
  policy = data.aws_iam_policy_document.writer.json
}

resource "aws_lambda_function" "writer" {
  function_name = "writer"
  role          = aws_iam_role.writer.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
}

resource "aws_iam_role" "scoped" {
  name               = "scoped"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "scoped" {
  statement {
    actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.orders.arn]
  }
  statement {
    actions   = ["xray:PutTraceSegments"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "scoped" {
  role   = aws_iam_role.scoped.id
  policy = data.aws_iam_policy_document.scoped.json
}

resource "aws_lambda_function" "scoped" {
  function_name = "scoped"
  role          = aws_iam_role.scoped.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
}
