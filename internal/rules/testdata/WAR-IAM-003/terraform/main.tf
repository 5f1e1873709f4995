resource "aws_iam_role" "fn" {
  name               = "fn"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}

data "aws_iam_policy_document" "p" {
  statement {
    actions   = ["iam:PassRole", "iam:GetRole"] # want "WAR-IAM-003 .*iam:PassRole"
    resources = ["*"]
  }
  statement {
    actions   = ["sts:AssumeRole"]
    resources = ["arn:aws:iam::123456789012:role/reader"]
  }
}

resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.fn.id
  policy = data.aws_iam_policy_document.p.json
}
