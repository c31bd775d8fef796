# APIs the platform needs. Services are left enabled on destroy: turning an API off
# deletes data behind it (Firestore, Secret Manager), which is never what a destroy of
# this module should mean.
#
# Eventarc is not listed: every function is an HTTP function fed by our own push
# subscriptions (see modules/functions/subscriptions.tf), so no Eventarc trigger exists.

locals {
  services = [
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com", # hanok's reminders (modules/functions/scheduler.tf)
    "cloudresourcemanager.googleapis.com",
    "firebase.googleapis.com",
    "firebasehosting.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "sqladmin.googleapis.com",
    "storage.googleapis.com",
  ]
}

resource "google_project_service" "service" {
  for_each = setunion(toset(local.services), var.additional_services)

  project            = var.project_id
  service            = each.key
  disable_on_destroy = false
}
