# Pub/Sub forwards undeliverable messages as its own service agent, so the agent must be
# able to publish to each dead-letter topic. The matching subscriber grant on each source
# subscription lives beside those subscriptions (modules/functions/subscriptions.tf).

data "google_project" "project" {
  project_id = var.project_id
}

locals {
  pubsub_service_agent = "service-${data.google_project.project.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = toset(local.topics)

  project = var.project_id
  topic   = google_pubsub_topic.dead_letter[each.key].name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${local.pubsub_service_agent}"
}
