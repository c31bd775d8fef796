# Docker repository for the relay image. Functions are built by Cloud Build into the
# gcf-artifacts repository Cloud Functions manages itself.

resource "google_artifact_registry_repository" "containers" {
  project       = var.project_id
  location      = var.location
  repository_id = var.container_repository_id
  format        = "DOCKER"
  description   = "Convonet container images (websocket relay)."
  labels        = var.labels

  cleanup_policy_dry_run = false

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"

    most_recent_versions {
      keep_count = var.images_kept
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"

    condition {
      older_than = "2592000s"
    }
  }
}
