data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "dispatch" {
  name               = "dispatch"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "dispatch" {
  statement { # want "WAR-IAM-012 .*lambda:InvokeFunction"
    actions   = ["lambda:InvokeFunction"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "dispatch" {
  role   = aws_iam_role.dispatch.id
  policy = data.aws_iam_policy_document.dispatch.json
}

resource "aws_lambda_function" "dispatch" {
  function_name = "dispatch"
  role          = aws_iam_role.dispatch.arn
  runtime       = "python3.12"
  handler       = "app.dispatch"
  filename      = "app.zip"
}

resource "aws_iam_role" "notify" {
  name               = "notify"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

data "aws_iam_policy_document" "notify" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.worker.arn]
  }
}

resource "aws_iam_role_policy" "notify" {
  role   = aws_iam_role.notify.id
  policy = data.aws_iam_policy_document.notify.json
}

resource "aws_lambda_function" "notify" {
  function_name = "notify"
  role          = aws_iam_role.notify.arn
  runtime       = "python3.12"
  handler       = "app.notify"
  filename      = "app.zip"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = aws_iam_role.notify.arn
  runtime       = "python3.12"
  handler       = "app.work"
  filename      = "app.zip"
}
