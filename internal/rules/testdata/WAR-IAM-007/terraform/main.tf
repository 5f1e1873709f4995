resource "aws_iam_role" "anyone" {
  name = "reports-build"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ # want "WAR-IAM-007 .*anyone"
      Effect    = "Allow"
      Principal = { AWS = "*" }
      Action    = "sts:AssumeRole"
    }]
  })
}

data "aws_iam_policy_document" "partner_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalOrgID"
      values   = ["o-a1b2c3d4e5"]
    }
  }
}

resource "aws_iam_role" "org" {
  name               = "reports-org-share"
  assume_role_policy = data.aws_iam_policy_document.partner_trust.json
}

data "aws_iam_policy_document" "lambda_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name               = "reports-export"
  assume_role_policy = data.aws_iam_policy_document.lambda_trust.json
}

data "aws_iam_policy_document" "open_trust" {
  statement { # want "WAR-IAM-007 .*open"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_iam_role" "open" {
  name               = "reports-legacy"
  assume_role_policy = data.aws_iam_policy_document.open_trust.json
}
