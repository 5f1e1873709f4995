resource "aws_lambda_function" "monthly" {
  function_name = "reports-monthly"
  role          = "arn:aws:iam::123456789012:role/reports"
  runtime       = "python3.12"
  handler       = "reports.monthly"
  filename      = "reports.zip"
  timeout       = 900 # want "WAR-DOS-005 .*900 s"
}

resource "aws_lambda_function" "daily" {
  function_name = "reports-daily"
  role          = "arn:aws:iam::123456789012:role/reports"
  runtime       = "python3.12"
  handler       = "reports.daily"
  filename      = "reports.zip"
  timeout       = 300
}

resource "aws_lambda_function" "adhoc" {
  function_name = "reports-adhoc"
  role          = "arn:aws:iam::123456789012:role/reports"
  runtime       = "python3.12"
  handler       = "reports.adhoc"
  filename      = "reports.zip"
}
