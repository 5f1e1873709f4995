resource "aws_iam_role" "shared" { # want "WAR-IAM-004 .*shared by 2 functions"
  name               = "shared"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}

resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.shared.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "a" {
  function_name = "a"
  role          = aws_iam_role.shared.arn
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
}

resource "aws_lambda_function" "b" {
  function_name = "b"
  role          = aws_iam_role.shared.arn
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
}
