variable "names" {
  type = set(string)
}

locals {
  a = local.b
  b = local.a
  c = nosuch_function(1)
}

resource "aws_lambda_function" "ok" {
  function_name = "still-loaded"
  runtime       = "python3.12"
  handler       = "app.handler"
  role          = var.undeclared
  filename      = "../../../../etc/passwd"
}

resource "aws_lambda_function" "each" {
  for_each      = var.names
  function_name = each.key
  role          = "arn:aws:iam::123456789012:role/missing"
}

resource "aws_iam_role_policy" "computed" {
  role   = "nowhere"
  policy = var.policy_json
}

module "escape" {
  source = "../../../../outside"
}

module "git" {
  source = "git::https://example.com/modules.git//lambda"
}

module "self" {
  source = "./"
}
