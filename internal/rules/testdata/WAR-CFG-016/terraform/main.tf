resource "google_cloudfunctions_function" "all" {
  name             = "all"
  runtime          = "python312"
  entry_point      = "handle"
  trigger_http     = true
  ingress_settings = "ALLOW_ALL" # want "WAR-CFG-016"
}

resource "google_cloudfunctions_function" "default" { # want "WAR-CFG-016"
  name         = "default"
  runtime      = "python312"
  entry_point  = "handle"
  trigger_http = true
}

resource "google_cloudfunctions_function" "internal" {
  name             = "internal"
  runtime          = "python312"
  entry_point      = "handle"
  trigger_http     = true
  ingress_settings = "ALLOW_INTERNAL_ONLY"
}

resource "google_cloudfunctions_function" "events" {
  name        = "events"
  runtime     = "python312"
  entry_point = "handle"
  event_trigger {
    event_type = "google.pubsub.topic.publish"
    resource   = "projects/p/topics/t"
  }
}
