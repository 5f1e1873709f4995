resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
}

resource "aws_lambda_function" "private" {
  function_name = "private"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
}

resource "aws_lambda_function_url" "public" {
  function_name      = aws_lambda_function.fn.function_name
  authorization_type = "NONE" # want "WAR-AUTH-002"
}

resource "aws_lambda_function_url" "private" {
  function_name      = aws_lambda_function.private.function_name
  authorization_type = "AWS_IAM"
}
