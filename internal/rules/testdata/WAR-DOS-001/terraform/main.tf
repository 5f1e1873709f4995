resource "aws_lambda_function" "slow" {
  function_name = "slow"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
  timeout       = 300 # want "WAR-DOS-001 .*300 s"
}

resource "aws_lambda_function" "worker" {
  function_name = "worker"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
  timeout       = 900
}

resource "aws_apigatewayv2_api" "http" {
  name          = "http"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "slow" {
  api_id           = aws_apigatewayv2_api.http.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.slow.invoke_arn
}

resource "aws_apigatewayv2_route" "slow" {
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = "GET /slow"
  target             = "integrations/${aws_apigatewayv2_integration.slow.id}"
  authorization_type = "AWS_IAM"
}
