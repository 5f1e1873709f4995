data "aws_iam_policy_document" "broad" {
  statement {
    effect      = "Allow"
    not_actions = ["iam:*", "organizations:*"] # want "WAR-IAM-005 .*iam:\\*"
    resources   = ["*"]
  }

  statement {
    effect      = "Deny"
    not_actions = ["s3:GetObject"]
    resources   = ["arn:aws:s3:::reports-archive/*"]
  }

  statement {
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["arn:aws:s3:::reports-output/*"]
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
  policy = data.aws_iam_policy_document.broad.json
}

resource "aws_iam_role_policy" "reports_inline" {
  name = "reports-inline"
  role = aws_iam_role.reports.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      NotAction = "sts:*" # want "WAR-IAM-005 .*sts:\\*"
      Resource  = "*"
    }]
  })
}

resource "aws_lambda_function" "reports" {
  function_name = "reports"
  role          = aws_iam_role.reports.arn
  runtime       = "python3.12"
  handler       = "reports.build"
  filename      = "reports.zip"
}
