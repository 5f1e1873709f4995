resource "aws_s3_bucket" "half" {
  bucket = "half"
}

resource "aws_sqs_queue" "broken" {
  name = "broken
}
