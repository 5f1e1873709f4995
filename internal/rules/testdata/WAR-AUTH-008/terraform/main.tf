resource "azurerm_linux_function_app" "open" { # want "WAR-AUTH-008 .*open"
  name                       = "open"
  location                   = "westeurope"
  resource_group_name        = "rg"
  service_plan_id            = "plan"
  storage_account_name       = "sa"
  storage_account_access_key = "key"
  https_only                 = true
  site_config {}
}

resource "azurerm_linux_function_app" "guarded" {
  name                       = "guarded"
  location                   = "westeurope"
  resource_group_name        = "rg"
  service_plan_id            = "plan"
  storage_account_name       = "sa"
  storage_account_access_key = "key"
  https_only                 = true
  site_config {}
  auth_settings_v2 {
    auth_enabled           = true
    require_authentication = true
    login {}
    active_directory_v2 {
      client_id            = "abc"
      tenant_auth_endpoint = "https://login.microsoftonline.com/tenant/v2.0"
    }
  }
}
