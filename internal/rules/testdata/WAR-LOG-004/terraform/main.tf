resource "aws_api_gateway_rest_api" "storefront" {
  name = "storefront"
}

resource "aws_api_gateway_stage" "silent" { # want "WAR-LOG-004 .*silent"
  rest_api_id   = aws_api_gateway_rest_api.storefront.id
  deployment_id = "abc123"
  stage_name    = "silent"
}

resource "aws_api_gateway_stage" "off" {
  rest_api_id   = aws_api_gateway_rest_api.storefront.id
  deployment_id = "abc123"
  stage_name    = "off"
}

resource "aws_api_gateway_method_settings" "off" {
  rest_api_id = aws_api_gateway_rest_api.storefront.id
  stage_name  = aws_api_gateway_stage.off.stage_name
  method_path = "*/*"

  settings {
    logging_level = "OFF" # want "WAR-LOG-004 .*off"
  }
}

resource "aws_api_gateway_stage" "prod" {
  rest_api_id   = aws_api_gateway_rest_api.storefront.id
  deployment_id = "abc123"
  stage_name    = "prod"
}

resource "aws_api_gateway_method_settings" "prod" {
  rest_api_id = aws_api_gateway_rest_api.storefront.id
  stage_name  = aws_api_gateway_stage.prod.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled = true
    logging_level   = "ERROR"
  }
}

# HTTP APIs have no execution log; the rule is about REST APIs only.
resource "aws_apigatewayv2_api" "http" {
  name          = "storefront-http"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_stage" "http" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true
}
