data "archive_file" "orders" {
  type        = "zip"
  source_dir  = "${path.module}/orders"
  output_path = "${path.module}/build/orders.zip"
}

resource "aws_lambda_function" "orders" {
  function_name = "orders"
  role          = "arn:aws:iam::123456789012:role/orders"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = data.archive_file.orders.output_path
}

data "archive_file" "fixed" {
  type        = "zip"
  source_dir  = "${path.module}/fixed"
  output_path = "${path.module}/build/fixed.zip"
}

resource "aws_lambda_function" "fixed" {
  function_name = "fixed"
  role          = "arn:aws:iam::123456789012:role/fixed"
  runtime       = "python3.12"
  handler       = "app.handler"
  filename      = data.archive_file.fixed.output_path
}
