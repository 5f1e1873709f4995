resource "aws_lambda_function" "ok" {
  runtime = "python3.13"
}
