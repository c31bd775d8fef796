output "relay_url" {
  description = "HTTPS URL of the WebSocket relay."
  value       = module.relay.url
}

output "relay_websocket_url" {
  description = "WebSocket URL for the voice page's runtime config and Twilio <Connect><Stream>."
  value       = module.relay.websocket_url
}

output "function_urls" {
  description = "HTTPS URL of each function."
  value       = module.functions.function_urls
}

output "hosting_url" {
  description = "Default URL of the Firebase Hosting site."
  value       = module.hosting.default_url
}

output "hosting_site_id" {
  description = "Firebase Hosting site id for firebase deploy."
  value       = module.hosting.site_id
}

output "audio_bucket" {
  description = "Name of the audio bucket."
  value       = module.storage.audio_bucket
}

output "function_source_bucket" {
  description = "Bucket to upload dist/<function>.zip bundles to, under <source_release>/."
  value       = module.storage.function_source_bucket
}

output "topic_names" {
  description = "Pub/Sub topics of the voice pipeline."
  value       = module.pubsub.topic_names
}

output "dead_letter_hold_subscriptions" {
  description = "Subscriptions holding dead-lettered messages, keyed by source topic."
  value       = module.pubsub.dead_letter_hold_subscriptions
}

output "db_connection_name" {
  description = "Cloud SQL connection name (for the Cloud SQL Auth Proxy when running migrations)."
  value       = module.database.connection_name
}

output "secret_ids" {
  description = "Secret Manager secrets to fill out of band, keyed by the environment variable they become."
  value       = module.secrets.secret_ids
}

output "container_repository" {
  description = "Docker repository to push the relay image to."
  value       = module.storage.container_repository
}
