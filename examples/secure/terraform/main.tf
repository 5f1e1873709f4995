# Orders service, well configured

variable "stage" {
  type    = string
  default = "prod"
}

locals {
  name = "orders-${var.stage}"
}

resource "aws_kms_key" "data" {
  description         = "orders data"
  enable_key_rotation = true
}

resource "aws_dynamodb_table" "orders" {
  name         = "${local.name}-orders"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {
    name = "id"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.data.arn
  }

  point_in_time_recovery {
    enabled = true
  }
}

resource "aws_secretsmanager_secret" "db" {
  name       = "${local.name}-db"
  kms_key_id = aws_kms_key.data.arn
}

resource "aws_secretsmanager_secret_rotation" "db" {
  secret_id           = aws_secretsmanager_secret.db.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:123456789012:function:rotate-db-secret"

  rotation_rules {
    automatically_after_days = 30
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "create_order" {
  statement {
    actions   = ["dynamodb:PutItem"]
    resources = [aws_dynamodb_table.orders.arn]
  }
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.db.arn]
  }
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.create_order.arn}:*"]
  }
}

resource "aws_iam_role" "create_order" {
  name               = "${local.name}-create-order"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "create_order" {
  role   = aws_iam_role.create_order.id
  policy = data.aws_iam_policy_document.create_order.json
}

resource "aws_lambda_function" "create_order" {
  function_name                  = "${local.name}-create-order"
  role                           = aws_iam_role.create_order.arn
  runtime                        = "python3.12"
  handler                        = "app.create_order"
  filename                       = "build/orders.zip"
  timeout                        = 10
  reserved_concurrent_executions = 20
  kms_key_arn                    = aws_kms_key.data.arn

  tracing_config {
    mode = "Active"
  }

  environment {
    variables = {
      TABLE_NAME    = aws_dynamodb_table.orders.name
      DB_SECRET_ARN = aws_secretsmanager_secret.db.arn
    }
  }
}

resource "aws_cloudwatch_log_group" "create_order" {
  name              = "/aws/lambda/${local.name}-create-order"
  retention_in_days = 90
  kms_key_id        = aws_kms_key.data.arn
}

resource "aws_apigatewayv2_api" "orders" {
  name          = local.name
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.orders.id
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  name             = "orders-jwt"

  jwt_configuration {
    audience = ["orders-client"]
    issuer   = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example"
  }
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
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.jwt.id
}

resource "aws_cloudwatch_log_group" "api" {
  name              = "/aws/apigateway/${local.name}"
  retention_in_days = 90
  kms_key_id        = aws_kms_key.data.arn
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.orders.id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api.arn
    format          = jsonencode({ requestId = "$context.requestId", ip = "$context.identity.sourceIp", route = "$context.routeKey", status = "$context.status" })
  }

  default_route_settings {
    throttling_rate_limit  = 50
    throttling_burst_limit = 100
  }
}

resource "aws_lambda_permission" "api" {
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.create_order.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.orders.execution_arn}/*/*"
}

resource "aws_s3_bucket" "uploads" {
  bucket = "${local.name}-uploads"
}

resource "aws_s3_bucket_public_access_block" "uploads" {
  bucket                  = aws_s3_bucket.uploads.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}

data "aws_iam_policy_document" "uploads_tls" {
  statement {
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.uploads.arn, "${aws_s3_bucket.uploads.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  policy = data.aws_iam_policy_document.uploads_tls.json
}

resource "aws_sns_topic" "events" {
  name              = "${local.name}-events"
  kms_master_key_id = aws_kms_key.data.id
}
