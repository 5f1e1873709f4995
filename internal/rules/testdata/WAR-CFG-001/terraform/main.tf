resource "aws_lambda_function" "old" {
  function_name = "old"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "nodejs12.x" # want "WAR-CFG-001 .*nodejs12.x"
  handler       = "index.h"
  filename      = "app.zip"
}

resource "aws_lambda_function" "current" {
  function_name = "current"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "python3.13"
  handler       = "app.h"
  filename      = "app.zip"
}

variable "runtime" {
  type    = string
  default = "dotnet6"
}

resource "aws_lambda_function" "from_var" {
  function_name = "from_var"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = var.runtime # want "WAR-CFG-001 .*dotnet6"
  handler       = "app.h"
  filename      = "app.zip"
}

resource "google_cloudfunctions_function" "gcp" {
  name        = "gcp"
  runtime     = "python37" # want "WAR-CFG-001 .*python37"
  entry_point = "handle"
}

resource "aws_lambda_function" "disabled" {
  count         = 0
  function_name = "disabled"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "python2.7"
  handler       = "app.h"
  filename      = "app.zip"
}
