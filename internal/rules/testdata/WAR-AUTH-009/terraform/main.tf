resource "aws_lambda_function" "resize" {
  function_name = "thumbnails-resize"
  role          = "arn:aws:iam::123456789012:role/thumbnails"
  runtime       = "python3.12"
  handler       = "resize.handler"
  filename      = "resize.zip"
}

resource "aws_lambda_permission" "deploy_account" {
  statement_id  = "DeployAccount"
  action        = "lambda:*" # want "WAR-AUTH-009 .*lambda:\\*"
  function_name = aws_lambda_function.resize.function_name
  principal     = "210987654321"
}

resource "aws_lambda_permission" "code_updates" {
  statement_id  = "CodeUpdates"
  action        = "lambda:UpdateFunctionCode" # want "WAR-AUTH-009 .*UpdateFunctionCode"
  function_name = aws_lambda_function.resize.function_name
  principal     = "210987654321"
}

resource "aws_lambda_permission" "partner" {
  statement_id  = "PartnerInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.resize.function_name
  principal     = "210987654321"
}
