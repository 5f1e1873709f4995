data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "export" { # want "WAR-LOG-008 .*export"
  name               = "reports-export"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

resource "aws_iam_role_policy" "export" {
  name = "export"
  role = aws_iam_role.export.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:PutObject"], Resource = "arn:aws:s3:::reports-output/*" }]
  })
}

resource "aws_lambda_function" "export" {
  function_name = "reports-export"
  role          = aws_iam_role.export.arn
  runtime       = "python3.12"
  handler       = "reports.export"
  filename      = "reports.zip"
}

resource "aws_iam_role" "share" {
  name               = "reports-share"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

resource "aws_iam_role_policy" "share" {
  name = "share"
  role = aws_iam_role.share.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/reports-share:*" },
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::reports-output/*" },
    ]
  })
}

resource "aws_lambda_function" "share" {
  function_name = "reports-share"
  role          = aws_iam_role.share.arn
  runtime       = "python3.12"
  handler       = "reports.share"
  filename      = "reports.zip"
}

resource "aws_iam_role" "build" {
  name               = "reports-build"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

resource "aws_iam_role_policy_attachment" "build_logs" {
  role       = aws_iam_role.build.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "build" {
  function_name = "reports-build"
  role          = aws_iam_role.build.arn
  runtime       = "python3.12"
  handler       = "reports.build"
  filename      = "reports.zip"
}
