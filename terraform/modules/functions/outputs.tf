output "function_urls" {
  description = "HTTPS URL of each function, keyed by function."
  value       = { for name, function in local.deployed_functions : name => function.service_config[0].uri }
}

output "function_service_names" {
  description = "Cloud Run service name behind each function, keyed by function (the service_name label in logs and metrics)."
  value       = { for name, function in local.deployed_functions : name => function.name }
}

output "function_service_accounts" {
  description = "Runtime service account email of each function, keyed by function."
  value       = { for name, account in google_service_account.function : name => account.email }
}

output "push_subscriptions" {
  description = "Push subscription names keyed by the function they feed."
  value       = { for name, subscription in google_pubsub_subscription.push : name => subscription.name }
}

output "push_invoker_email" {
  description = "Service account Pub/Sub signs push requests with."
  value       = google_service_account.push_invoker.email
}
