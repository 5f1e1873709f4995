data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "opener" {
  name               = "opener"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "opener" {
  statement { # want "WAR-IAM-010 .*lambda:AddPermission"
    actions   = ["lambda:AddPermission", "lambda:GetPolicy"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "opener" {
  role   = aws_iam_role.opener.id
  policy = data.aws_iam_policy_document.opener.json
}

resource "aws_lambda_function" "opener" {
  function_name = "opener"
  role          = aws_iam_role.opener.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
}

resource "aws_iam_role" "inspector" {
  name               = "inspector"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "inspector" {
  statement {
    actions   = ["lambda:GetPolicy", "s3:GetBucketPolicy"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "inspector" {
  role   = aws_iam_role.inspector.id
  policy = data.aws_iam_policy_document.inspector.json
}

resource "aws_lambda_function" "inspector" {
  function_name = "inspector"
  role          = aws_iam_role.inspector.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
}
