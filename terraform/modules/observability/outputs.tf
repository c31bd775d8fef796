output "dashboard_id" {
  description = "Id of the Convonet monitoring dashboard."
  value       = google_monitoring_dashboard.convonet.id
}

output "log_metrics" {
  description = "Log-based metric types (for charts and alerts elsewhere)."
  value = {
    turn_latency = "logging.googleapis.com/user/${google_logging_metric.turn_latency.name}"
    errors       = "logging.googleapis.com/user/${google_logging_metric.errors.name}"
  }
}

output "alert_policy_ids" {
  description = "Ids of the alert policies."
  value = {
    error_rate          = google_monitoring_alert_policy.error_rate.id
    dead_letter_backlog = google_monitoring_alert_policy.dead_letter_backlog.id
  }
}
