resource "aws_lambda_function" "quotes" {
  function_name = "partner-quotes"
  role          = "arn:aws:iam::123456789012:role/partner-quotes"
  runtime       = "python3.12"
  handler       = "quotes.get"
  filename      = "quotes.zip"
}

# A REST API whose key-protected route has no usage plan.
resource "aws_api_gateway_rest_api" "partner" {
  name = "partner-api"
}

resource "aws_api_gateway_resource" "partner_quotes" {
  rest_api_id = aws_api_gateway_rest_api.partner.id
  parent_id   = aws_api_gateway_rest_api.partner.root_resource_id
  path_part   = "quotes"
}

resource "aws_api_gateway_method" "partner_get" {
  rest_api_id      = aws_api_gateway_rest_api.partner.id
  resource_id      = aws_api_gateway_resource.partner_quotes.id
  http_method      = "GET"
  authorization    = "AWS_IAM"
  api_key_required = true # want "WAR-AUTH-005 .*no usage plan"
}

resource "aws_api_gateway_integration" "partner_get" {
  rest_api_id             = aws_api_gateway_rest_api.partner.id
  resource_id             = aws_api_gateway_resource.partner_quotes.id
  http_method             = aws_api_gateway_method.partner_get.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.quotes.invoke_arn
}

# Near-miss: a method on the same API that does not require a key.
resource "aws_api_gateway_method" "partner_options" {
  rest_api_id   = aws_api_gateway_rest_api.partner.id
  resource_id   = aws_api_gateway_resource.partner_quotes.id
  http_method   = "POST"
  authorization = "AWS_IAM"
}

resource "aws_api_gateway_integration" "partner_options" {
  rest_api_id             = aws_api_gateway_rest_api.partner.id
  resource_id             = aws_api_gateway_resource.partner_quotes.id
  http_method             = aws_api_gateway_method.partner_options.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.quotes.invoke_arn
}
