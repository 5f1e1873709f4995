resource "aws_sqs_queue" "fulfilment" {
  name = "orders-fulfilment"
}

resource "aws_sqs_queue" "priority" {
  name                       = "orders-priority"
  visibility_timeout_seconds = 540
}

resource "aws_sqs_queue" "invoice" {
  name = "orders-invoice"
}

resource "aws_lambda_function" "fulfil" {
  function_name = "orders-fulfil"
  role          = "arn:aws:iam::123456789012:role/orders"
  runtime       = "python3.12"
  handler       = "orders.fulfil"
  filename      = "orders.zip"
  timeout       = 90
}

resource "aws_lambda_event_source_mapping" "fulfilment" { # want "WAR-DOS-009 .*fulfilment.*30 s.*90 s"
  event_source_arn = aws_sqs_queue.fulfilment.arn
  function_name    = aws_lambda_function.fulfil.arn
}

resource "aws_lambda_event_source_mapping" "priority" {
  event_source_arn = aws_sqs_queue.priority.arn
  function_name    = aws_lambda_function.fulfil.arn
}

resource "aws_lambda_function" "invoice" {
  function_name = "orders-invoice"
  role          = "arn:aws:iam::123456789012:role/orders"
  runtime       = "python3.12"
  handler       = "orders.invoice"
  filename      = "orders.zip"
  timeout       = 20
}

resource "aws_lambda_event_source_mapping" "invoice" {
  event_source_arn = aws_sqs_queue.invoice.arn
  function_name    = aws_lambda_function.invoice.arn
  batch_size       = 10
}
