output "secret_ids" {
  description = "Secret Manager secret ids keyed by the environment variable each one is exposed as."
  value       = { for env_name, secret in google_secret_manager_secret.secret : env_name => secret.secret_id }
}

output "secret_resource_ids" {
  description = "Full secret resource ids (projects/<project>/secrets/<id>) keyed by environment variable name."
  value       = { for env_name, secret in google_secret_manager_secret.secret : env_name => secret.id }
}
