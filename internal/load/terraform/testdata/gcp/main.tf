# Modelled on the google provider documentation for Cloud Functions
# (1st and 2nd gen) and their IAM resources.

data "archive_file" "src" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build/src.zip"
}

resource "google_storage_bucket_object" "src" {
  name   = "src.zip"
  bucket = "acme-src"
  source = data.archive_file.src.output_path
}

resource "google_cloudfunctions_function" "hello" {
  name                         = "hello"
  runtime                      = "python312"
  entry_point                  = "hello"
  available_memory_mb          = 256
  timeout                      = 60
  max_instances                = 10
  source_archive_bucket        = "acme-src"
  source_archive_object        = google_storage_bucket_object.src.name
  trigger_http                 = true
  https_trigger_security_level = "SECURE_OPTIONAL"
  ingress_settings             = "ALLOW_ALL"
  service_account_email        = "fn@acme.iam.gserviceaccount.com"

  environment_variables = {
    MODE = "prod"
  }

  secret_environment_variables {
    key     = "DB_PASSWORD"
    secret  = "db-password"
    version = "latest"
  }
}

resource "google_cloudfunctions_function_iam_member" "public" {
  project        = "acme"
  region         = "europe-west1"
  cloud_function = google_cloudfunctions_function.hello.name
  role           = "roles/cloudfunctions.invoker"
  member         = "allUsers"
}

resource "google_cloudfunctions_function" "onupload" {
  name                  = "onupload"
  runtime               = "nodejs20"
  entry_point           = "onUpload"
  source_archive_bucket = "acme-src"
  source_archive_object = "upload.zip"

  event_trigger {
    event_type = "google.storage.object.finalize"
    resource   = "acme-uploads"
  }
}

resource "google_cloudfunctions2_function" "api" {
  name     = "api"
  location = "europe-west1"

  build_config {
    runtime     = "go122"
    entry_point = "Handle"
    source {
      storage_source {
        bucket = "acme-src"
        object = google_storage_bucket_object.src.name
      }
    }
  }

  service_config {
    available_memory      = "512M"
    timeout_seconds       = 120
    max_instance_count    = 3
    ingress_settings      = "ALLOW_INTERNAL_ONLY"
    service_account_email = "api@acme.iam.gserviceaccount.com"
    environment_variables = {
      LOG_LEVEL = "debug"
    }
    secret_environment_variables {
      key        = "TOKEN"
      project_id = "acme"
      secret     = "token"
      version    = "1"
    }
  }
}

resource "google_cloud_run_service_iam_member" "api_public" {
  location = google_cloudfunctions2_function.api.location
  service  = google_cloudfunctions2_function.api.name
  role     = "roles/run.invoker"
  member   = "allAuthenticatedUsers"
}

resource "google_cloudfunctions2_function" "events" {
  name     = "events"
  location = "europe-west1"

  build_config {
    runtime     = "python312"
    entry_point = "handle"
  }

  event_trigger {
    event_type   = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic = "projects/acme/topics/events"
  }
}

resource "google_cloudfunctions2_function_iam_binding" "events" {
  cloud_function = google_cloudfunctions2_function.events.name
  role           = "roles/cloudfunctions.invoker"
  members        = ["serviceAccount:ci@acme.iam.gserviceaccount.com", "user:ops@example.com"]
}
