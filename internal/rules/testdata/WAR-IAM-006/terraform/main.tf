data "aws_iam_policy_document" "reports" {
  statement {
    effect        = "Allow"
    actions       = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:DeleteItem"]
    not_resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/billing"] # want "WAR-IAM-006 .*NotResource"
  }

  statement {
    effect        = "Deny"
    actions       = ["s3:DeleteObject"]
    not_resources = ["arn:aws:s3:::reports-scratch/*"]
  }

  statement {
    effect    = "Allow"
    actions   = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/reports"]
  }
}

resource "aws_iam_role" "reports" {
  name = "reports"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "reports" {
  name   = "reports"
  role   = aws_iam_role.reports.id
  policy = data.aws_iam_policy_document.reports.json
}

resource "aws_lambda_function" "reports" {
  function_name = "reports"
  role          = aws_iam_role.reports.arn
  runtime       = "python3.12"
  handler       = "reports.build"
  filename      = "reports.zip"
}
