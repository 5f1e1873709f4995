resource "aws_cloudwatch_log_group" "forever" { # want "WAR-LOG-001 .*forever"
  name = "/aws/lambda/forever"
}

resource "aws_cloudwatch_log_group" "short" {
  name              = "/aws/lambda/short"
  retention_in_days = 14 # want "WAR-LOG-001 .*14 days"
}

resource "aws_cloudwatch_log_group" "good" {
  name              = "/aws/lambda/good"
  retention_in_days = 365
}
