resource "aws_ssm_parameter" "db_password" {
  name  = "/billing/prod/db-password"
  type  = "String" # want "WAR-SEC-003 .*db-password"
  value = var.db_password
}

resource "aws_ssm_parameter" "api_tokens" {
  name  = "/billing/prod/partner-api-tokens"
  type  = "StringList" # want "WAR-SEC-003 .*partner-api-tokens"
  value = var.partner_tokens
}

resource "aws_ssm_parameter" "stripe_key" {
  name   = "/billing/prod/stripe-api-key"
  type   = "SecureString"
  key_id = "alias/billing"
  value  = var.stripe_key
}

resource "aws_ssm_parameter" "table_name" {
  name  = "/billing/prod/invoices-table"
  type  = "String"
  value = "invoices"
}

variable "db_password" {
  type      = string
  sensitive = true
}

variable "partner_tokens" {
  type      = string
  sensitive = true
}

variable "stripe_key" {
  type      = string
  sensitive = true
}
