resource "aws_lambda_function" "transcode" {
  function_name = "media-transcode"
  role          = "arn:aws:iam::123456789012:role/media"
  runtime       = "python3.12"
  handler       = "media.transcode"
  filename      = "media.zip"
  memory_size   = 10240 # want "WAR-DOS-006 .*10240 MB"
}

resource "aws_lambda_function" "thumbnail" {
  function_name = "media-thumbnail"
  role          = "arn:aws:iam::123456789012:role/media"
  runtime       = "python3.12"
  handler       = "media.thumbnail"
  filename      = "media.zip"
  memory_size   = 3008
}

resource "aws_lambda_function" "metadata" {
  function_name = "media-metadata"
  role          = "arn:aws:iam::123456789012:role/media"
  runtime       = "python3.12"
  handler       = "media.metadata"
  filename      = "media.zip"
}
