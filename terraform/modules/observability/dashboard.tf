# One dashboard for a voice turn end to end: turn latency, errors, function latency and
# traffic, Pub/Sub backlogs (push and dead-letter), and the relay's instances.

locals {
  quoted_services       = join(",", [for name in var.service_names : "\"${name}\""])
  quoted_push           = join(",", [for name in values(var.push_subscriptions) : "\"${name}\""])
  quoted_hold           = join(",", [for name in values(var.dead_letter_hold_subscriptions) : "\"${name}\""])
  undelivered_metric    = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\""
  dead_letter_backlog   = "${local.undelivered_metric} AND resource.labels.subscription_id=one_of(${local.quoted_hold})"
  error_metric_filter   = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.errors.name}\" AND resource.type=\"cloud_run_revision\""
  latency_metric_filter = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.turn_latency.name}\" AND resource.type=\"cloud_run_revision\""
}

resource "google_monitoring_dashboard" "convonet" {
  project = var.project_id

  dashboard_json = templatefile("${path.module}/dashboard.json.tftpl", {
    turn_latency_filter    = jsonencode(local.latency_metric_filter)
    errors_filter          = jsonencode(local.error_metric_filter)
    request_latency_filter = jsonencode("metric.type=\"run.googleapis.com/request_latencies\" AND resource.type=\"cloud_run_revision\" AND resource.labels.service_name=one_of(${local.quoted_services})")
    request_count_filter   = jsonencode("metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\" AND resource.labels.service_name=one_of(${local.quoted_services})")
    push_backlog_filter    = jsonencode("${local.undelivered_metric} AND resource.labels.subscription_id=one_of(${local.quoted_push})")
    push_oldest_filter     = jsonencode("metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" AND resource.type=\"pubsub_subscription\" AND resource.labels.subscription_id=one_of(${local.quoted_push})")
    dead_letter_filter     = jsonencode(local.dead_letter_backlog)
    relay_instances_filter = jsonencode("metric.type=\"run.googleapis.com/container/instance_count\" AND resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"${var.relay_service_name}\"")
  })
}
