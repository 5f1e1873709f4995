resource "aws_iam_role" "fn" {
  name               = "fn"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })
}

resource "aws_iam_role_policy" "star" {
  role = aws_iam_role.fn.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = "*" # want "WAR-IAM-001 .*Action \"\\*\""
      Resource = "*"
    }]
  })
}

data "aws_iam_policy_document" "svc" {
  statement {
    actions   = ["s3:*", "sqs:SendMessage"] # want "WAR-IAM-001 .*s3:\\*"
    resources = ["*"]
  }
  statement {
    effect    = "Deny"
    actions   = ["*"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "svc" {
  role   = aws_iam_role.fn.id
  policy = data.aws_iam_policy_document.svc.json
}

resource "aws_iam_role_policy" "heredoc" {
  role   = aws_iam_role.fn.id
  policy = <<-JSON
    {
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "*"}
      ]
    }
  JSON
}
