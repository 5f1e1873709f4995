# Modelled on the Terraform AWS provider documentation for
# aws_lambda_function, aws_iam_role and aws_iam_policy_document.

variable "prefix" {
  type    = string
  default = "acme"
}

variable "stage" {
  type    = string
  default = "dev"
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = "hunter2"
}

variable "vpc_subnets" {
  type = list(string)
}

variable "enable_legacy" {
  type    = bool
  default = false
}

variable "replicas" {
  type = number
}

locals {
  prefix = "${var.prefix}-${var.stage}"
  common_env = {
    STAGE = upper(var.stage)
  }
  queues = {
    orders   = "orders"
    invoices = "invoices"
  }
}

data "archive_file" "api" {
  type        = "zip"
  source_dir  = "${path.module}/src/api"
  output_path = "${path.module}/build/api.zip"
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

data "aws_iam_policy_document" "api" {
  statement {
    sid       = "ReadItems"
    actions   = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.items.arn]
  }
  statement {
    sid       = "Everything"
    effect    = "Allow"
    actions   = ["s3:*"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = ["eu-west-1"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name                 = "${local.prefix}-lambda"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  permissions_boundary = "arn:aws:iam::123456789012:policy/boundary"

  inline_policy {
    name = "logs"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "*"
      }]
    })
  }
}

resource "aws_iam_role_policy" "api" {
  name   = "api"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.api.json
}

resource "aws_iam_role_policy" "heredoc" {
  name   = "heredoc"
  role   = aws_iam_role.lambda.name
  policy = <<EOT
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "sqs:SendMessage",
      "Resource": "${aws_sqs_queue.jobs.arn}"
    }
  ]
}
EOT
}

resource "aws_iam_policy" "admin" {
  name   = "admin"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
}

resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.lambda.name
  policy_arn = aws_iam_policy.admin.arn
}

resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.lambda.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "api" {
  function_name                  = "${local.prefix}-api"
  runtime                        = "python3.12"
  handler                        = "app.handler"
  filename                       = data.archive_file.api.output_path
  role                           = aws_iam_role.lambda.arn
  memory_size                    = 256
  timeout                        = 30
  reserved_concurrent_executions = 5
  kms_key_arn                    = aws_kms_key.env.arn
  layers                         = ["arn:aws:lambda:eu-west-1:123456789012:layer:common:3"]

  environment {
    variables = merge(local.common_env, {
      TABLE   = aws_dynamodb_table.items.name
      DB_PASS = var.db_password
      API_KEY = data.aws_ssm_parameter.key.value
    })
  }

  vpc_config {
    subnet_ids         = var.vpc_subnets
    security_group_ids = ["sg-123"]
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dlq.arn
  }
}

data "aws_ssm_parameter" "key" {
  name = "/acme/api-key"
}

resource "aws_lambda_function" "legacy" {
  count         = var.enable_legacy ? 1 : 0
  function_name = "legacy"
  runtime       = "nodejs12.x"
  handler       = "index.handler"
  s3_bucket     = "acme-artifacts"
  s3_key        = "legacy.zip"
  role          = aws_iam_role.lambda.arn
}

resource "aws_lambda_function" "scaled" {
  count         = var.replicas
  function_name = "scaled"
  image_uri     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/scaled:latest"
  package_type  = "Image"
  role          = aws_iam_role.lambda.arn
}

resource "aws_lambda_function" "worker" {
  for_each      = local.queues
  function_name = "${local.prefix}-${each.value}"
  runtime       = "go1.x"
  handler       = "bootstrap"
  filename      = "build/${each.key}.zip"
  role          = aws_iam_role.lambda.arn
}

resource "aws_lambda_function_url" "api" {
  function_name      = aws_lambda_function.api.function_name
  authorization_type = "NONE"

  cors {
    allow_credentials = true
    allow_origins     = ["*"]
    allow_methods     = ["GET", "POST"]
  }
}

resource "aws_lambda_permission" "s3" {
  statement_id  = "AllowS3"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.uploads.arn
}

resource "aws_lambda_permission" "public" {
  action        = "lambda:InvokeFunction"
  function_name = "acme-prod-api"
  principal     = "*"
}

resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = aws_lambda_function.worker["orders"].arn
  batch_size       = 10

  filter_criteria {
    filter {
      pattern = jsonencode({ body = { type = ["order"] } })
    }
  }
}

resource "aws_lambda_event_source_mapping" "stream" {
  event_source_arn  = aws_kinesis_stream.events.arn
  function_name     = aws_lambda_function.worker["invoices"].function_name
  starting_position = "LATEST"

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.dlq.arn
    }
  }
}

resource "aws_lambda_function_event_invoke_config" "api" {
  function_name                = aws_lambda_function.api.function_name
  maximum_retry_attempts       = 1
  maximum_event_age_in_seconds = 600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dlq.arn
    }
  }
}

module "worker" {
  source     = "./modules/worker"
  name       = "${local.prefix}-cron"
  role_arn   = aws_iam_role.lambda.arn
  schedule   = "rate(5 minutes)"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"
}
