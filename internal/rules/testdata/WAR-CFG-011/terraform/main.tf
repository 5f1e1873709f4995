resource "aws_lambda_function" "profile" {
  function_name = "profile"
  role          = "arn:aws:iam::123456789012:role/profile"
  runtime       = "nodejs20.x"
  handler       = "profile.get"
  filename      = "profile.zip"
}

resource "aws_apigatewayv2_api" "any_origin" {
  name          = "profile-any-origin"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins = ["*"] # want "WAR-CFG-011 .*GET /profile"
    allow_headers = ["authorization"]
  }
}

resource "aws_apigatewayv2_authorizer" "any_origin" {
  api_id           = aws_apigatewayv2_api.any_origin.id
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  name             = "cognito"

  jwt_configuration {
    audience = ["3n4b5urk1ft4fl3mg5e62d9ado"]
    issuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
  }
}

resource "aws_apigatewayv2_integration" "any_origin" {
  api_id           = aws_apigatewayv2_api.any_origin.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.profile.invoke_arn
}

resource "aws_apigatewayv2_route" "any_origin" {
  api_id             = aws_apigatewayv2_api.any_origin.id
  route_key          = "GET /profile"
  target             = "integrations/${aws_apigatewayv2_integration.any_origin.id}"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.any_origin.id
}

resource "aws_apigatewayv2_api" "listed" {
  name          = "profile-listed"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins = ["https://shop.example.com"]
    allow_headers = ["authorization"]
  }
}

resource "aws_apigatewayv2_authorizer" "listed" {
  api_id           = aws_apigatewayv2_api.listed.id
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  name             = "cognito"

  jwt_configuration {
    audience = ["3n4b5urk1ft4fl3mg5e62d9ado"]
    issuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
  }
}

resource "aws_apigatewayv2_integration" "listed" {
  api_id           = aws_apigatewayv2_api.listed.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.profile.invoke_arn
}

resource "aws_apigatewayv2_route" "listed" {
  api_id             = aws_apigatewayv2_api.listed.id
  route_key          = "GET /me"
  target             = "integrations/${aws_apigatewayv2_integration.listed.id}"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.listed.id
}

# A public catalogue may allow any origin: no credentials, no authorizer.
resource "aws_apigatewayv2_api" "catalog" {
  name          = "catalog"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins = ["*"]
  }
}

resource "aws_apigatewayv2_integration" "catalog" {
  api_id           = aws_apigatewayv2_api.catalog.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.profile.invoke_arn
}

resource "aws_apigatewayv2_route" "catalog" {
  api_id    = aws_apigatewayv2_api.catalog.id
  route_key = "GET /products"
  target    = "integrations/${aws_apigatewayv2_integration.catalog.id}"
}
