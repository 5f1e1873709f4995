resource "aws_cognito_user_pool" "internal" { # want "WAR-AUTH-007 .*internal"
  name = "accounts-internal"
}

resource "aws_cognito_user_pool" "partners" {
  name              = "accounts-partners"
  mfa_configuration = "OFF" # want "WAR-AUTH-007 .*partners"
}

resource "aws_cognito_user_pool" "customers" {
  name              = "accounts-customers"
  mfa_configuration = "OPTIONAL"

  software_token_mfa_configuration {
    enabled = true
  }
}

resource "aws_cognito_user_pool" "staff" {
  name              = "accounts-staff"
  mfa_configuration = "ON"

  software_token_mfa_configuration {
    enabled = true
  }
}
