resource "aws_secretsmanager_secret" "db" {
  name = "db"
}

resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = "arn:aws:iam::123456789012:role/fn"
  runtime       = "python3.12"
  handler       = "app.h"
  filename      = "app.zip"
  environment {
    variables = {
      SLACK_TOKEN   = "xoxb-123456789012-abcdefghijklmnop" # want "WAR-SEC-001 .*SLACK_TOKEN"
      DB_SECRET_ARN = aws_secretsmanager_secret.db.arn
      PASSWORD_PATH = "/prod/db/password"
    }
  }
}

resource "azurerm_linux_function_app" "app" {
  name                       = "app"
  location                   = "westeurope"
  resource_group_name        = "rg"
  service_plan_id            = "plan"
  storage_account_name       = "sa"
  storage_account_access_key = "key"
  site_config {}
  app_settings = {
    API_SECRET   = "9f8e7d6c5b4a39281706f5e4d3c2b1a0" # want "WAR-SEC-001 .*API_SECRET"
    VAULT_SECRET = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/api/)"
  }
}

resource "google_cloudfunctions_function" "gcp" {
  name        = "gcp"
  runtime     = "python312"
  entry_point = "handle"
  environment_variables = {
    GITHUB_TOKEN = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789" # want "WAR-SEC-001 .*GITHUB_TOKEN"
  }
  secret_environment_variables {
    key     = "API_KEY"
    secret  = "api-key"
    version = "latest"
  }
}
