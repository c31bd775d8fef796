output "audio_bucket" {
  description = "Name of the audio bucket (CONVONET_AUDIO_BUCKET)."
  value       = google_storage_bucket.audio.name
}

output "function_source_bucket" {
  description = "Name of the bucket that holds function source bundles."
  value       = google_storage_bucket.function_source.name
}
