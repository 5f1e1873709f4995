resource "aws_lambda_function" "quotes" {
  function_name = "partner-quotes"
  role          = "arn:aws:iam::123456789012:role/partner-quotes"
  runtime       = "python3.12"
  handler       = "quotes.get"
  filename      = "quotes.zip"
}

# Near-miss: a key-protected route on an API covered by a usage plan.
resource "aws_api_gateway_rest_api" "metered" {
  name = "metered-api"
}

resource "aws_api_gateway_resource" "metered_quotes" {
  rest_api_id = aws_api_gateway_rest_api.metered.id
  parent_id   = aws_api_gateway_rest_api.metered.root_resource_id
  path_part   = "quotes"
}

resource "aws_api_gateway_method" "metered_get" {
  rest_api_id      = aws_api_gateway_rest_api.metered.id
  resource_id      = aws_api_gateway_resource.metered_quotes.id
  http_method      = "GET"
  authorization    = "AWS_IAM"
  api_key_required = true
}

resource "aws_api_gateway_integration" "metered_get" {
  rest_api_id             = aws_api_gateway_rest_api.metered.id
  resource_id             = aws_api_gateway_resource.metered_quotes.id
  http_method             = aws_api_gateway_method.metered_get.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.quotes.invoke_arn
}

resource "aws_api_gateway_stage" "metered" {
  rest_api_id   = aws_api_gateway_rest_api.metered.id
  deployment_id = "abc123"
  stage_name    = "prod"
}

resource "aws_api_gateway_usage_plan" "metered" {
  name = "metered-partners"

  api_stages {
    api_id = aws_api_gateway_rest_api.metered.id
    stage  = aws_api_gateway_stage.metered.stage_name
  }

  quota_settings {
    limit  = 5000
    period = "MONTH"
  }

  throttle_settings {
    burst_limit = 200
    rate_limit  = 100
  }
}
