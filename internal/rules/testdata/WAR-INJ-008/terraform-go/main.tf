data "archive_file" "fn" {
  type        = "zip"
  source_dir  = "${path.module}/fn"
  output_path = "${path.module}/build/fn.zip"
}

resource "aws_lambda_function" "search" {
  function_name = "search"
  role          = "arn:aws:iam::123456789012:role/search"
  runtime       = "provided.al2023"
  handler       = "bootstrap"
  filename      = data.archive_file.fn.output_path
}

resource "aws_apigatewayv2_api" "search" {
  name          = "search"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "search" {
  api_id                 = aws_apigatewayv2_api.search.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.search.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "search" {
  api_id    = aws_apigatewayv2_api.search.id
  route_key = "GET /search"
  target    = "integrations/${aws_apigatewayv2_integration.search.id}"
}
