# Every topic gets a dead-letter topic, and every dead-letter topic gets a pull
# subscription that only holds messages for inspection and replay. A topic without a
# subscription drops what is published to it, so the hold subscription is what makes
# dead-lettering lossless. It never expires, however long nobody reads it.

resource "google_pubsub_topic" "dead_letter" {
  for_each = toset(local.topics)

  project                    = var.project_id
  name                       = "${each.key}-dead-letter"
  message_retention_duration = var.dead_letter_retention
  labels                     = var.labels
}

resource "google_pubsub_subscription" "dead_letter_hold" {
  for_each = toset(local.topics)

  project = var.project_id
  name    = "${each.key}-dead-letter-hold"
  topic   = google_pubsub_topic.dead_letter[each.key].id
  labels  = var.labels

  message_retention_duration = var.dead_letter_retention
  retain_acked_messages      = false
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = ""
  }
}
