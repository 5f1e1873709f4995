provider "aws" {
  region = "us-east-1"
}

resource "azurerm_linux_function_app" "eu" {
  name                       = "eu"
  location                   = "westeurope"
  resource_group_name        = "rg"
  service_plan_id            = "plan"
  storage_account_name       = "sa"
  storage_account_access_key = "key"
  https_only                 = true
  site_config {}
}

resource "azurerm_linux_function_app" "us" {
  name                       = "us"
  location                   = "eastus" # want "WAR-CFG-009 .*eastus"
  resource_group_name        = "rg"
  service_plan_id            = "plan"
  storage_account_name       = "sa"
  storage_account_access_key = "key"
  https_only                 = true
  site_config {}
}

resource "google_cloudfunctions2_function" "fr" {
  name     = "fr"
  location = "europe-west9"
  build_config {
    runtime     = "python312"
    entry_point = "handle"
  }
}

# AWS provider 6 takes a per-resource region.
resource "aws_lambda_function" "virginia" {
  region        = "us-east-1" # want "WAR-CFG-009 .*us-east-1"
  function_name = "edge-auth"
  role          = "arn:aws:iam::123456789012:role/edge-auth"
  runtime       = "nodejs20.x"
  handler       = "auth.handler"
  filename      = "auth.zip"
}

resource "aws_lambda_function" "ireland" {
  region        = "eu-west-1"
  function_name = "orders"
  role          = "arn:aws:iam::123456789012:role/orders"
  runtime       = "nodejs20.x"
  handler       = "orders.handler"
  filename      = "orders.zip"
}
