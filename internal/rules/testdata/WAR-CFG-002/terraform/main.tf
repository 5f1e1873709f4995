resource "aws_s3_bucket" "public" {
  bucket = "public-bucket"
}

resource "aws_s3_bucket_acl" "public" {
  bucket = aws_s3_bucket.public.id
  acl    = "public-read-write" # want "WAR-CFG-002 .*public-read-write"
}

resource "aws_s3_bucket" "legacy" {
  bucket = "legacy-bucket"
  acl    = "public-read" # want "WAR-CFG-002 .*public-read"
}

resource "aws_s3_bucket" "private" {
  bucket = "private-bucket"
}

resource "aws_s3_bucket_acl" "private" {
  bucket = aws_s3_bucket.private.id
  acl    = "private"
}

data "aws_iam_policy_document" "public_read" {
  statement { # want "WAR-CFG-002 .*Principal"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.private.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

resource "aws_s3_bucket_policy" "private" {
  bucket = aws_s3_bucket.private.id
  policy = data.aws_iam_policy_document.public_read.json
}
