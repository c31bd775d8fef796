output "audio_bucket" {
  description = "Name of the audio bucket (CONVONET_AUDIO_BUCKET)."
  value       = google_storage_bucket.audio.name
}

output "function_source_bucket" {
  description = "Name of the bucket that holds function source bundles."
  value       = google_storage_bucket.function_source.name
}

output "container_repository" {
  description = "Docker repository path for the relay image (<location>-docker.pkg.dev/<project>/<repository>)."
  value       = "${google_artifact_registry_repository.containers.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.containers.repository_id}"
}
