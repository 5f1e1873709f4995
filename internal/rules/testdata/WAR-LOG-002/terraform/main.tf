resource "aws_lambda_function" "untraced" { # want "WAR-LOG-002"
  function_name = "untraced"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
}

resource "aws_lambda_function" "traced" {
  function_name = "traced"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
  tracing_config {
    mode = "Active"
  }
}

resource "google_cloudfunctions_function" "gcp" {
  name        = "gcp"
  runtime     = "python312"
  entry_point = "handle"
}
