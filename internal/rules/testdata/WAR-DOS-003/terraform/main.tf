resource "aws_lambda_function" "open" { # want "WAR-DOS-003"
  function_name = "open"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
}

resource "aws_lambda_function_url" "open" {
  function_name      = aws_lambda_function.open.function_name
  authorization_type = "NONE"
}

resource "aws_lambda_function" "capped" {
  function_name                  = "capped"
  role                           = "arn:aws:iam::123456789012:role/fn"
  runtime                        = "python3.12"
  handler                        = "app.h"
  filename                       = "app.zip"
  reserved_concurrent_executions = 10
}

resource "aws_lambda_function_url" "capped" {
  function_name      = aws_lambda_function.capped.function_name
  authorization_type = "NONE"
}
