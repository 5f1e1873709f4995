variable "db_password" {
  type    = string
  default = "Sup3rS3cret!Passw0rd" # want "WAR-SEC-002 .*db_password"
}

variable "api_token" {
  type      = string
  sensitive = true
}

variable "token_table_name" {
  type    = string
  default = "tokens"
}
