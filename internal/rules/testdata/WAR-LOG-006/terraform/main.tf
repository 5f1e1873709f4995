resource "aws_s3_bucket" "uploads" { # want "WAR-LOG-006 .*uploads"
  bucket = "media-uploads"
}

resource "aws_s3_bucket" "originals" {
  bucket = "media-originals"
}

resource "aws_s3_bucket_logging" "originals" {
  bucket        = aws_s3_bucket.originals.id
  target_bucket = "central-s3-access-logs"
  target_prefix = "media-originals/"
}

resource "aws_s3_bucket" "legacy" {
  bucket = "media-legacy"

  logging {
    target_bucket = "central-s3-access-logs"
    target_prefix = "media-legacy/"
  }
}
