resource "google_cloudfunctions_function" "public" {
  name         = "public"
  runtime      = "python312"
  entry_point  = "handle"
  trigger_http = true
}

resource "google_cloudfunctions_function_iam_member" "all" {
  cloud_function = google_cloudfunctions_function.public.name
  role           = "roles/cloudfunctions.invoker"
  member         = "allUsers" # want "WAR-AUTH-004 allUsers"
}

resource "google_cloudfunctions_function_iam_member" "svc" {
  cloud_function = google_cloudfunctions_function.public.name
  role           = "roles/cloudfunctions.invoker"
  member         = "serviceAccount:caller@proj.iam.gserviceaccount.com"
}

resource "google_cloudfunctions2_function" "gen2" {
  name     = "gen2"
  location = "europe-west1"
  build_config {
    runtime     = "nodejs22"
    entry_point = "handle"
  }
}

resource "google_cloudfunctions2_function_iam_binding" "auth" {
  cloud_function = google_cloudfunctions2_function.gen2.name
  role           = "roles/cloudfunctions.invoker"
  members        = ["allAuthenticatedUsers"] # want "WAR-AUTH-004 allAuthenticatedUsers"
}
