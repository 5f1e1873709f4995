resource "aws_s3_bucket" "b" {
  bucket = "b"
}

resource "aws_s3_bucket_public_access_block" "b" {
  bucket                  = aws_s3_bucket.b.id
  block_public_acls       = true
  block_public_policy     = false # want "WAR-CFG-003 .*block_public_policy"
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket" "good" {
  bucket = "good"
}

resource "aws_s3_bucket_public_access_block" "good" {
  bucket                  = aws_s3_bucket.good.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
