resource "aws_s3_bucket" "scratch" { # want "WAR-CFG-018"
  bucket = "media-scratch"
}

resource "aws_s3_bucket" "originals" {
  bucket = "media-originals"
}

resource "aws_s3_bucket_versioning" "originals" {
  bucket = aws_s3_bucket.originals.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket" "exports" {
  bucket = "media-exports"
}

resource "aws_s3_bucket_versioning" "exports" {
  bucket = aws_s3_bucket.exports.id
  versioning_configuration {
    status = "Suspended" # want "WAR-CFG-018"
  }
}
