resource "aws_lambda_function" "webhook" { # want "WAR-CFG-020 .*webhook"
  function_name = "orders-webhook"
  role          = "arn:aws:iam::123456789012:role/orders"
  runtime       = "python3.12"
  handler       = "orders.webhook"
  filename      = "orders.zip"
}

resource "aws_lambda_function" "fulfil" {
  function_name = "orders-fulfil"
  role          = "arn:aws:iam::123456789012:role/orders"
  runtime       = "python3.12"
  handler       = "orders.fulfil"
  filename      = "orders.zip"

  vpc_config {
    subnet_ids         = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
    security_group_ids = ["sg-0123456789abcdef0"]
  }
}
