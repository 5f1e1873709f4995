variable "name" {
  type = string
}

variable "role_arn" {
  type = string
}

variable "schedule" {
  type = string
}

resource "aws_lambda_function" "cron" {
  function_name = var.name
  runtime       = "python3.11"
  handler       = "cron.handler"
  filename      = "${path.module}/cron.zip"
  role          = var.role_arn
}

resource "aws_cloudwatch_event_rule" "every" {
  name                = "${var.name}-every"
  schedule_expression = var.schedule
}

resource "aws_cloudwatch_event_target" "cron" {
  rule = aws_cloudwatch_event_rule.every.name
  arn  = aws_lambda_function.cron.arn
}

output "function_arn" {
  value = aws_lambda_function.cron.arn
}
