# Log-based metrics over the structured JSON logs written by shared/log.py. Functions and
# the relay are all Cloud Run services, so resource.labels.service_name names the emitter.

locals {
  service_filter = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=(${join(" OR ", [for name in var.service_names : "\"${name}\""])})"
}

resource "google_logging_metric" "turn_latency" {
  project = var.project_id
  name    = "convonet_turn_latency"
  filter  = "${local.service_filter} AND jsonPayload.event=\"turn_completed\" AND jsonPayload.turn_latency_ms>=0"

  description     = "End-to-end latency of a voice turn (utterance published to last audio chunk), from turn_completed log entries."
  value_extractor = "EXTRACT(jsonPayload.turn_latency_ms)"

  label_extractors = {
    service = "EXTRACT(resource.labels.service_name)"
  }

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "DISTRIBUTION"
    unit         = "ms"
    display_name = "Convonet turn latency"

    labels {
      key         = "service"
      value_type  = "STRING"
      description = "Service that logged the completed turn."
    }
  }

  # 10 ms to about 10 minutes in 25 % steps.
  bucket_options {
    exponential_buckets {
      num_finite_buckets = 50
      growth_factor      = 1.25
      scale              = 10
    }
  }
}

resource "google_logging_metric" "errors" {
  project     = var.project_id
  name        = "convonet_errors"
  filter      = "${local.service_filter} AND severity>=ERROR"
  description = "Log entries at ERROR or above, by service."

  label_extractors = {
    service = "EXTRACT(resource.labels.service_name)"
  }

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "Convonet errors"

    labels {
      key         = "service"
      value_type  = "STRING"
      description = "Service that logged the error."
    }
  }
}
