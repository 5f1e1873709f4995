resource "azurerm_linux_function_app" "plain" {
  name                       = "plain"
  location                   = "westeurope"
  resource_group_name        = "rg"
  service_plan_id            = "plan"
  storage_account_name       = "sa"
  storage_account_access_key = "key"
  https_only                 = false # want "WAR-CFG-008 .*plain"
  site_config {}
}

resource "azurerm_linux_function_app" "tls" {
  name                       = "tls"
  location                   = "westeurope"
  resource_group_name        = "rg"
  service_plan_id            = "plan"
  storage_account_name       = "sa"
  storage_account_access_key = "key"
  https_only                 = true
  site_config {}
}

resource "google_cloudfunctions_function" "optional" {
  name                         = "optional"
  runtime                      = "python312"
  entry_point                  = "handle"
  trigger_http                 = true
  https_trigger_security_level = "SECURE_OPTIONAL" # want "WAR-CFG-008 .*SECURE_OPTIONAL"
  ingress_settings             = "ALLOW_INTERNAL_ONLY"
}

resource "google_cloudfunctions_function" "always" {
  name                         = "always"
  runtime                      = "python312"
  entry_point                  = "handle"
  trigger_http                 = true
  https_trigger_security_level = "SECURE_ALWAYS"
  ingress_settings             = "ALLOW_INTERNAL_ONLY"
}
