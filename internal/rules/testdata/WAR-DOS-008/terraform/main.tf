resource "aws_s3_bucket" "images" {
  bucket = "images-incoming-eu"
}

resource "aws_s3_bucket" "thumbnails" {
  bucket = "images-thumbnails-eu"
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# Reads and writes the bucket that triggers it: a loop.
resource "aws_iam_role" "resize_in_place" {
  name               = "resize-in-place"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "resize_in_place" {
  role = aws_iam_role.resize_in_place.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject"]
      Resource = "${aws_s3_bucket.images.arn}/*"
    }]
  })
}

resource "aws_lambda_function" "resize_in_place" {
  function_name = "resize-in-place"
  role          = aws_iam_role.resize_in_place.arn
  runtime       = "python3.12"
  handler       = "images.resize"
  filename      = "images.zip"
}

# Reads the trigger bucket, writes elsewhere.
resource "aws_iam_role" "thumbnail" {
  name               = "thumbnail"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "thumbnail" {
  role = aws_iam_role.thumbnail.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = "${aws_s3_bucket.images.arn}/*"
      },
      {
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = "${aws_s3_bucket.thumbnails.arn}/*"
      },
    ]
  })
}

resource "aws_lambda_function" "thumbnail" {
  function_name = "thumbnail"
  role          = aws_iam_role.thumbnail.arn
  runtime       = "python3.12"
  handler       = "images.thumbnail"
  filename      = "images.zip"
}

resource "aws_s3_bucket_notification" "images" {
  bucket = aws_s3_bucket.images.id

  lambda_function { # want "WAR-DOS-008 .*resize-in-place.*s3:PutObject"
    lambda_function_arn = aws_lambda_function.resize_in_place.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "incoming/"
  }

  lambda_function {
    lambda_function_arn = aws_lambda_function.thumbnail.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "incoming/"
  }
}
