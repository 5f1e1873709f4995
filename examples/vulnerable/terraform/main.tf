# Orders service (deliberately vulnerable sample; do not deploy)

variable "stage" {
  type    = string
  default = "dev"
}

variable "db_password" {
  type    = string
  default = "Sup3rS3cretPassw0rd!"
}

locals {
  name = "orders-${var.stage}"
}

resource "aws_iam_role" "lambda" {
  name = "${local.name}-lambda"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "lambda" {
  role = aws_iam_role.lambda.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["*"]
      Resource = "*"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.lambda.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_lambda_function" "create_order" {
  function_name = "${local.name}-create-order"
  role          = aws_iam_role.lambda.arn
  runtime       = "python3.7"
  handler       = "app.create_order"
  filename      = "build/orders.zip"
  timeout       = 120

  environment {
    variables = {
      DB_PASSWORD = var.db_password
      API_TOKEN   = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
    }
  }
}

resource "aws_lambda_function" "report" {
  function_name = "${local.name}-report"
  role          = aws_iam_role.lambda.arn
  runtime       = "python3.12"
  handler       = "app.report"
  filename      = "build/orders.zip"
}

resource "aws_lambda_function_url" "report" {
  function_name      = aws_lambda_function.report.function_name
  authorization_type = "NONE"
}

resource "aws_apigatewayv2_api" "orders" {
  name          = local.name
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "create_order" {
  api_id           = aws_apigatewayv2_api.orders.id
  integration_type = "AWS_PROXY"
  integration_uri  = aws_lambda_function.create_order.invoke_arn
}

resource "aws_apigatewayv2_route" "create_order" {
  api_id             = aws_apigatewayv2_api.orders.id
  route_key          = "POST /orders"
  target             = "integrations/${aws_apigatewayv2_integration.create_order.id}"
  authorization_type = "NONE"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.orders.id
  name        = "$default"
  auto_deploy = true
}

resource "aws_lambda_permission" "api" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.create_order.function_name
  principal     = "apigateway.amazonaws.com"
}

resource "aws_s3_bucket" "uploads" {
  bucket = "${local.name}-uploads"
}

resource "aws_s3_bucket_acl" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  acl    = "public-read"
}

resource "aws_sns_topic" "events" {
  name = "${local.name}-events"
}

resource "aws_cloudwatch_log_group" "create_order" {
  name = "/aws/lambda/${local.name}-create-order"
}

resource "google_cloudfunctions_function" "webhook" {
  name         = "orders-webhook"
  runtime      = "nodejs14"
  entry_point  = "handle"
  trigger_http = true
}

resource "google_cloudfunctions_function_iam_member" "public" {
  cloud_function = google_cloudfunctions_function.webhook.name
  role           = "roles/cloudfunctions.invoker"
  member         = "allUsers"
}
