resource "azurerm_windows_function_app" "ftp" {
  name                       = "ftp"
  location                   = "westeurope"
  resource_group_name        = "rg"
  service_plan_id            = "plan"
  storage_account_name       = "sa"
  storage_account_access_key = "key"
  https_only                 = true
  site_config {
    ftps_state = "AllAllowed" # want "WAR-CFG-015"
  }
}

resource "azurerm_windows_function_app" "noftp" {
  name                       = "noftp"
  location                   = "westeurope"
  resource_group_name        = "rg"
  service_plan_id            = "plan"
  storage_account_name       = "sa"
  storage_account_access_key = "key"
  https_only                 = true
  site_config {
    ftps_state = "Disabled"
  }
}
