provider "aws" {
  region = "us-east-1" # want "WAR-CFG-009 .*us-east-1" "WAR-CFG-009 .*us-east-1"
}

provider "aws" {
  alias  = "eu"
  region = "eu-west-1"
}

resource "aws_sqs_queue" "q" {
  name = "q"
}

resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/f"
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
}
