# Two buckets:
#   audio   utterances over the inline Pub/Sub limit, TTS audio for phone calls, recordings.
#           Private, uniform access, deleted by a lifecycle rule, no versions and no soft
#           delete so a deleted recording is really gone.
#   source  function source bundles (<function>.zip from `make bundle`), one folder per
#           release. Versioned, so a rollback can point at an earlier generation.

resource "google_storage_bucket" "audio" {
  project  = var.project_id
  name     = coalesce(var.audio_bucket_name, "${var.project_id}-convonet-audio")
  location = var.location
  labels   = var.labels

  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy

  versioning {
    enabled = false
  }

  soft_delete_policy {
    retention_duration_seconds = 0
  }

  lifecycle_rule {
    condition {
      age = var.audio_retention_days
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket" "function_source" {
  project  = var.project_id
  name     = coalesce(var.source_bucket_name, "${var.project_id}-convonet-function-source")
  location = var.location
  labels   = var.labels

  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      num_newer_versions = var.source_versions_kept
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age = var.source_retention_days
    }
    action {
      type = "Delete"
    }
  }
}
