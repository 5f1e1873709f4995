resource "aws_iam_role" "fn" {
  name                = "fn"
  assume_role_policy  = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
  managed_policy_arns = ["arn:aws:iam::aws:policy/IAMFullAccess"] # want "WAR-IAM-002 .*IAMFullAccess"
}

resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.fn.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess" # want "WAR-IAM-002 .*AdministratorAccess"
}

resource "aws_iam_role_policy_attachment" "basic" {
  role       = aws_iam_role.fn.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}
