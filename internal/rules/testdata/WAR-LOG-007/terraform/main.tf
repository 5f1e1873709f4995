resource "aws_api_gateway_rest_api" "storefront" {
  name = "storefront"
}

resource "aws_api_gateway_stage" "prod" { # want "WAR-LOG-007 .*prod"
  rest_api_id   = aws_api_gateway_rest_api.storefront.id
  deployment_id = "abc123"
  stage_name    = "prod"
}

resource "aws_api_gateway_stage" "staging" {
  rest_api_id          = aws_api_gateway_rest_api.storefront.id
  deployment_id        = "abc123"
  stage_name           = "staging"
  xray_tracing_enabled = false # want "WAR-LOG-007 .*staging"
}

resource "aws_api_gateway_stage" "traced" {
  rest_api_id          = aws_api_gateway_rest_api.storefront.id
  deployment_id        = "abc123"
  stage_name           = "traced"
  xray_tracing_enabled = true
}

# HTTP API stages have no X-Ray integration.
resource "aws_apigatewayv2_api" "http" {
  name          = "storefront-http"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_stage" "http" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true
}
