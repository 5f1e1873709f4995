resource "aws_lambda_function" "account" {
  function_name = "account"
  role          = "arn:aws:iam::123456789012:role/account"
  runtime       = "nodejs20.x"
  handler       = "account.get"
  filename      = "account.zip"
}

resource "aws_lambda_function_url" "preview" {
  function_name      = aws_lambda_function.account.function_name
  authorization_type = "AWS_IAM"

  cors {
    allow_origins     = ["*"] # want "WAR-CFG-005"
    allow_credentials = true
    allow_methods     = ["GET"]
  }
}

resource "aws_lambda_function" "embed" {
  function_name = "embed"
  role          = "arn:aws:iam::123456789012:role/embed"
  runtime       = "nodejs20.x"
  handler       = "embed.get"
  filename      = "embed.zip"
}

resource "aws_lambda_function_url" "embed" {
  function_name      = aws_lambda_function.embed.function_name
  authorization_type = "AWS_IAM"

  cors {
    allow_origins     = ["https://shop.example.com"]
    allow_credentials = true
    allow_methods     = ["GET"]
  }
}

resource "aws_lambda_function" "catalog" {
  function_name = "catalog"
  role          = "arn:aws:iam::123456789012:role/catalog"
  runtime       = "nodejs20.x"
  handler       = "catalog.list"
  filename      = "catalog.zip"
}

resource "aws_apigatewayv2_api" "shop" {
  name          = "shop"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins     = ["*"] # want "WAR-CFG-005"
    allow_credentials = true
    allow_headers     = ["content-type", "authorization"]
  }
}

resource "aws_apigatewayv2_integration" "catalog" {
  api_id           = aws_apigatewayv2_api.shop.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.catalog.invoke_arn
}

resource "aws_apigatewayv2_route" "catalog" {
  api_id             = aws_apigatewayv2_api.shop.id
  route_key          = "GET /catalog"
  target             = "integrations/${aws_apigatewayv2_integration.catalog.id}"
  authorization_type = "AWS_IAM"
}

resource "aws_apigatewayv2_api" "public" {
  name          = "public"
  protocol_type = "HTTP"

  cors_configuration {
    allow_origins = ["*"]
    allow_methods = ["GET"]
  }
}

resource "aws_apigatewayv2_integration" "public" {
  api_id           = aws_apigatewayv2_api.public.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.catalog.invoke_arn
}

resource "aws_apigatewayv2_route" "public" {
  api_id             = aws_apigatewayv2_api.public.id
  route_key          = "GET /products"
  target             = "integrations/${aws_apigatewayv2_integration.public.id}"
  authorization_type = "AWS_IAM"
}
