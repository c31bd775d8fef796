# Push subscriptions that feed the pipeline functions. Each one:
#   - pushes to the function's URL with an OIDC token of the push invoker;
#   - waits 60 s for an answer, then retries with 1-60 s exponential backoff;
#   - after 5 failed deliveries, forwards the message to <topic>-dead-letter, where the
#     hold subscription keeps it (modules/pubsub/dead_letter.tf).
# tts-agent-reply preserves ordering-key order so sentences are spoken in sequence.
# The deadline and backoff are PUSH_ACK_DEADLINE_SECONDS and RETRY_*_BACKOFF_SECONDS in
# shared/topics.py; the local stack pulls these subscriptions with a shorter deadline.

resource "google_pubsub_subscription" "push" {
  for_each = local.pushed_functions

  project = var.project_id
  name    = each.value.subscription
  topic   = var.topic_ids[each.value.push_topic]
  labels  = var.labels

  ack_deadline_seconds       = 60
  message_retention_duration = var.subscription_message_retention
  enable_message_ordering    = each.value.ordered

  expiration_policy {
    ttl = ""
  }

  push_config {
    push_endpoint = local.deployed_functions[each.key].service_config[0].uri

    oidc_token {
      service_account_email = google_service_account.push_invoker.email
      audience              = local.deployed_functions[each.key].service_config[0].uri
    }
  }

  dead_letter_policy {
    dead_letter_topic     = var.dead_letter_topic_ids[each.value.push_topic]
    max_delivery_attempts = 5
  }

  retry_policy {
    minimum_backoff = "1s"
    maximum_backoff = "60s"
  }

  depends_on = [google_cloud_run_v2_service_iam_member.push_invoker]
}

resource "google_cloud_run_v2_service_iam_member" "push_invoker" {
  for_each = local.pushed_functions

  project  = var.project_id
  location = var.region
  name     = local.deployed_functions[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.push_invoker.member
}

# Pub/Sub mints the OIDC tokens as its service agent. Projects created before April 2021
# need this grant explicitly; it is scoped to the push invoker alone.
resource "google_service_account_iam_member" "push_token_creator" {
  service_account_id = google_service_account.push_invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${var.pubsub_service_agent}"
}

# Dead-lettering: the service agent acknowledges the forwarded message on the source
# subscription, so it must be a subscriber there.
resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.pushed_functions

  project      = var.project_id
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${var.pubsub_service_agent}"
}
