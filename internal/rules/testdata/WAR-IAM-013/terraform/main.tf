resource "aws_iam_role" "fn" {
  name               = "fn"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}

data "aws_iam_policy_document" "fn" {
  statement {
    actions = [
      "s3:GetObjects", # want "WAR-IAM-013 .*s3:GetObjects"
      "s3:GetObject",
      "s3:PutObject*",
      "s3:Fetch*", # want "WAR-IAM-013 .*s3:Fetch"
    ]
    resources = ["arn:aws:s3:::uploads-eu/*"]
  }
}

resource "aws_iam_role_policy" "fn" {
  role   = aws_iam_role.fn.id
  policy = data.aws_iam_policy_document.fn.json
}

resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = aws_iam_role.fn.arn
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = "app.zip"
}
