resource "aws_lambda_function" "products" {
  function_name                  = "products"
  role                           = "arn:aws:iam::123456789012:role/products"
  runtime                        = "nodejs20.x"
  handler                        = "products.list"
  filename                       = "products.zip"
  reserved_concurrent_executions = 20
}

resource "aws_apigatewayv2_api" "open" {
  name          = "storefront"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "open" {
  api_id           = aws_apigatewayv2_api.open.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.products.invoke_arn
}

resource "aws_apigatewayv2_route" "open" {
  api_id    = aws_apigatewayv2_api.open.id
  route_key = "GET /products"
  target    = "integrations/${aws_apigatewayv2_integration.open.id}"
}

resource "aws_apigatewayv2_stage" "open" { # want "WAR-DOS-004 .*open"
  api_id      = aws_apigatewayv2_api.open.id
  name        = "$default"
  auto_deploy = true
}

resource "aws_apigatewayv2_api" "throttled" {
  name          = "catalog"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "throttled" {
  api_id           = aws_apigatewayv2_api.throttled.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.products.invoke_arn
}

resource "aws_apigatewayv2_route" "throttled" {
  api_id    = aws_apigatewayv2_api.throttled.id
  route_key = "GET /catalog"
  target    = "integrations/${aws_apigatewayv2_integration.throttled.id}"
}

resource "aws_apigatewayv2_stage" "throttled" {
  api_id      = aws_apigatewayv2_api.throttled.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = 50
    throttling_burst_limit = 100
  }
}

resource "aws_api_gateway_rest_api" "legacy" {
  name = "legacy"
}

resource "aws_api_gateway_method" "legacy_get" {
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  resource_id   = aws_api_gateway_rest_api.legacy.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "legacy_get" {
  rest_api_id             = aws_api_gateway_rest_api.legacy.id
  resource_id             = aws_api_gateway_rest_api.legacy.root_resource_id
  http_method             = aws_api_gateway_method.legacy_get.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.products.invoke_arn
}

resource "aws_api_gateway_stage" "legacy" {
  rest_api_id   = aws_api_gateway_rest_api.legacy.id
  deployment_id = "abc123"
  stage_name    = "prod"
}

resource "aws_api_gateway_method_settings" "legacy" {
  rest_api_id = aws_api_gateway_rest_api.legacy.id
  stage_name  = aws_api_gateway_stage.legacy.stage_name
  method_path = "*/*"

  settings {
    throttling_rate_limit  = 50
    throttling_burst_limit = 100
  }
}
