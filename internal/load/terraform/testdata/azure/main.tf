# Modelled on the azurerm provider documentation for function apps.

variable "location" {
  default = "westeurope"
}

resource "azurerm_linux_function_app" "api" {
  name                          = "acme-api"
  location                      = var.location
  resource_group_name           = "acme-rg"
  service_plan_id               = "plan-id"
  storage_account_name          = "acmestorage"
  https_only                    = false
  public_network_access_enabled = true
  client_certificate_mode       = "Optional"

  site_config {
    minimum_tls_version = "1.0"
    ftps_state          = "AllAllowed"

    application_stack {
      python_version = "3.11"
    }
  }

  auth_settings_v2 {
    auth_enabled = false
  }

  identity {
    type = "SystemAssigned"
  }

  app_settings = {
    DB_PASSWORD = "@Microsoft.KeyVault(SecretUri=https://acme.vault.azure.net/secrets/db/)"
    API_TOKEN   = "plaintext-token-123"
  }
}

resource "azurerm_windows_function_app" "jobs" {
  name                = "acme-jobs"
  location            = "northeurope"
  resource_group_name = "acme-rg"
  service_plan_id     = "plan-id"
  https_only          = true

  site_config {
    minimum_tls_version = "1.2"
    ftps_state          = "Disabled"
  }

  auth_settings {
    enabled = true
  }
}

resource "azurerm_function_app" "old" {
  name                       = "acme-old"
  location                   = "westeurope"
  resource_group_name        = "acme-rg"
  app_service_plan_id        = "plan-id"
  storage_account_name       = "acmestorage"
  storage_account_access_key = "key"
  version                    = "~3"

  site_config {
    min_tls_version = "1.1"
  }

  app_settings = {
    FUNCTIONS_WORKER_RUNTIME = "node"
  }
}
