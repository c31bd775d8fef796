resource "google_monitoring_notification_channel" "email" {
  count = var.alert_email == "" ? 0 : 1

  project      = var.project_id
  display_name = "Convonet on-call (${var.alert_email})"
  type         = "email"

  labels = {
    email_address = var.alert_email
  }
}

locals {
  notification_channels = google_monitoring_notification_channel.email[*].id
}

resource "google_monitoring_alert_policy" "error_rate" {
  project               = var.project_id
  display_name          = "Convonet: error rate"
  combiner              = "OR"
  notification_channels = local.notification_channels

  documentation {
    mime_type = "text/markdown"
    content   = "More than ${var.error_alert_threshold} ERROR log entries in 5 minutes from one Convonet service. Open the Convonet dashboard, then Logs Explorer with `severity>=ERROR` and the service's name; every entry carries session and turn labels and the trace."
  }

  conditions {
    display_name = "Errors per 5 minutes by service"

    condition_threshold {
      filter          = local.error_metric_filter
      comparison      = "COMPARISON_GT"
      threshold_value = var.error_alert_threshold
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.service"]
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "1800s"
  }
}

resource "google_monitoring_alert_policy" "dead_letter_backlog" {
  project               = var.project_id
  display_name          = "Convonet: dead-lettered messages"
  combiner              = "OR"
  notification_channels = local.notification_channels

  documentation {
    mime_type = "text/markdown"
    content   = "A message failed delivery 5 times and was moved to a dead-letter topic; it waits in the matching `<topic>-dead-letter-hold` subscription for 7 days. Pull it with `gcloud pubsub subscriptions pull <hold subscription> --limit=10`, fix the cause, then republish it to the source topic."
  }

  conditions {
    display_name = "Undelivered messages on a dead-letter hold subscription"

    condition_threshold {
      filter          = local.dead_letter_backlog
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_MAX"
        cross_series_reducer = "REDUCE_MAX"
        group_by_fields      = ["resource.label.subscription_id"]
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }
}
