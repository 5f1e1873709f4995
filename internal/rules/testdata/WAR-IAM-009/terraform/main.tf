data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "escalator" {
  name               = "escalator"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "escalator" {
  statement { # want "WAR-IAM-009 .*can escalate privileges"
    actions   = ["iam:CreatePolicyVersion"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "escalator" {
  role   = aws_iam_role.escalator.id
  policy = data.aws_iam_policy_document.escalator.json
}

resource "aws_lambda_function" "escalator" {
  function_name = "escalator"
  role          = aws_iam_role.escalator.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
}

resource "aws_iam_role" "reader" {
  name               = "reader"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "reader" {
  statement {
    actions   = ["iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "reader" {
  role   = aws_iam_role.reader.id
  policy = data.aws_iam_policy_document.reader.json
}

resource "aws_lambda_function" "reader" {
  function_name = "reader"
  role          = aws_iam_role.reader.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
}
