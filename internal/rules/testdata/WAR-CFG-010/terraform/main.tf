resource "aws_lambda_function" "products" {
  function_name = "products"
  role          = "arn:aws:iam::123456789012:role/products"
  runtime       = "nodejs20.x"
  handler       = "products.list"
  filename      = "products.zip"
}

resource "aws_api_gateway_rest_api" "storefront" { # want "WAR-CFG-010 .*storefront"
  name = "storefront"
}

resource "aws_api_gateway_method" "storefront_get" {
  rest_api_id   = aws_api_gateway_rest_api.storefront.id
  resource_id   = aws_api_gateway_rest_api.storefront.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "storefront_get" {
  rest_api_id             = aws_api_gateway_rest_api.storefront.id
  resource_id             = aws_api_gateway_rest_api.storefront.root_resource_id
  http_method             = aws_api_gateway_method.storefront_get.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.products.invoke_arn
}

resource "aws_api_gateway_stage" "storefront" {
  rest_api_id   = aws_api_gateway_rest_api.storefront.id
  deployment_id = "abc123"
  stage_name    = "prod"
}

# Near-miss: the same public API with a WAF web ACL on its stage.
resource "aws_api_gateway_rest_api" "shop" {
  name = "shop"
}

resource "aws_api_gateway_method" "shop_get" {
  rest_api_id   = aws_api_gateway_rest_api.shop.id
  resource_id   = aws_api_gateway_rest_api.shop.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "shop_get" {
  rest_api_id             = aws_api_gateway_rest_api.shop.id
  resource_id             = aws_api_gateway_rest_api.shop.root_resource_id
  http_method             = aws_api_gateway_method.shop_get.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.products.invoke_arn
}

resource "aws_api_gateway_stage" "shop" {
  rest_api_id   = aws_api_gateway_rest_api.shop.id
  deployment_id = "abc123"
  stage_name    = "prod"
}

resource "aws_wafv2_web_acl_association" "shop" {
  resource_arn = aws_api_gateway_stage.shop.arn
  web_acl_arn  = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shop/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
}

# Near-miss: a private API is not reachable from the internet.
resource "aws_api_gateway_rest_api" "internal" {
  name = "internal"

  endpoint_configuration {
    types = ["PRIVATE"]
  }
}

resource "aws_api_gateway_method" "internal_get" {
  rest_api_id   = aws_api_gateway_rest_api.internal.id
  resource_id   = aws_api_gateway_rest_api.internal.root_resource_id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "internal_get" {
  rest_api_id             = aws_api_gateway_rest_api.internal.id
  resource_id             = aws_api_gateway_rest_api.internal.root_resource_id
  http_method             = aws_api_gateway_method.internal_get.http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = aws_lambda_function.products.invoke_arn
}
