provider "aws" {
  region     = "us-east-1"
  access_key = "AKIAZ7VQ3XK2MNB4PLRW"                     # want "WAR-SEC-006 hard-coded AWS access key pair found by detector aws-access-token"
  secret_key = "q8Zr3fT1vLx9Wm2Kp7Yc4Nd6Hs0Bj5Ge8Ua1Ro3T" # want "WAR-SEC-006 hard-coded AWS access key pair found by detector warden-aws-secret-access-key: q8Zr\*\*\*\* \(40 chars\); the other half of the AWS key pair is on line 3"
}

variable "api_token" {
  type    = string
  default = "tok_8Hq2Lz7Vm4Pw9KtX3c" # want "WAR-SEC-002"
}

variable "stripe_key_arn" {
  type = string
}

data "archive_file" "fn" {
  type        = "zip"
  source_dir  = "${path.module}/lambda"
  output_path = "${path.module}/build/fn.zip"
}

resource "aws_lambda_function" "reports" {
  function_name = "reports"
  role          = "arn:aws:iam::123456789012:role/reports"
  runtime       = "python3.12"
  handler       = "handler.handler"
  filename      = data.archive_file.fn.output_path

  environment {
    variables = {
      DB_PASSWORD    = "Tf-db-Passw0rd-91xQ"                                         # want "WAR-SEC-001"
      REPORTS_DB_URL = "mysql://reports:Wm3Lp6Rt9Yv2NqZ8@reports-db.internal:3306/reports" # want "WAR-SEC-006 hard-coded password in a connection string .* in the code of function aws_lambda_function.reports"
      STRIPE_KEY_ARN = var.stripe_key_arn
    }
  }
}
