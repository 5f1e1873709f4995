resource "aws_apigatewayv2_api" "http" {
  name          = "http"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_stage" "bare" { # want "WAR-LOG-003"
  api_id = aws_apigatewayv2_api.http.id
  name   = "bare"
}

resource "aws_apigatewayv2_stage" "logged" {
  api_id = aws_apigatewayv2_api.http.id
  name   = "logged"
  access_log_settings {
    destination_arn = "arn:aws:logs:eu-west-1:123456789012:log-group:api"
    format          = "$context.requestId"
  }
}

resource "aws_api_gateway_stage" "rest_bare" { # want "WAR-LOG-003"
  rest_api_id   = "abc"
  deployment_id = "def"
  stage_name    = "prod"
}
