resource "aws_kms_key" "legacy" { # want "WAR-CFG-013 .*legacy"
  description = "orders data key (legacy)"
}

resource "aws_kms_key" "disabled" {
  description         = "exports key"
  enable_key_rotation = false # want "WAR-CFG-013 .*disabled"
}

resource "aws_kms_key" "data" {
  description             = "orders data key"
  enable_key_rotation     = true
  rotation_period_in_days = 180
}
